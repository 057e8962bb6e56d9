"""Run by test_s3_sigv2.py with a current botocore (the machine image's
Python, the one awscli v1 runs on): Debian's botocore 1.29 signs path-style
HmacV1 requests wrongly (the operation's fixed query, e.g. "?list-type=2" or
"?uploads", is signed as part of the path and twice), which S3 refuses too.
Usage: python3 sigv2_boto3_client.py ENDPOINT ACCESS_KEY SECRET_KEY BUCKET
Drives PUT/GET/LIST/tagging/multipart/versions/DELETE with
Config(signature_version="s3") and exits non-zero on the first mismatch."""

import hashlib
import os
import sys

import boto3
from botocore.config import Config


def main(endpoint, access_key, secret_key, bucket):
    cfg = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                 signature_version="s3")
    s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=access_key,
                      aws_secret_access_key=secret_key, region_name="us-east-1", config=cfg)
    s3.create_bucket(Bucket=bucket)
    body = os.urandom(100_000)
    r = s3.put_object(Bucket=bucket, Key="a/b c+d.bin", Body=body,
                      ContentType="application/dicom", Metadata={"patient": "p1"})
    assert r["ETag"] == '"%s"' % hashlib.md5(body).hexdigest(), r["ETag"]
    g = s3.get_object(Bucket=bucket, Key="a/b c+d.bin")
    assert g["Body"].read() == body
    assert g["ContentType"] == "application/dicom", g["ContentType"]
    assert g["Metadata"] == {"patient": "p1"}, g["Metadata"]
    # A signed response override and a range.
    g = s3.get_object(Bucket=bucket, Key="a/b c+d.bin", Range="bytes=0-9",
                      ResponseContentType="text/plain")
    assert g["Body"].read() == body[:10]
    assert g["ContentType"] == "text/plain", g["ContentType"]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["a/b c+d.bin"], keys
    keys = [o["Key"] for o in s3.list_objects(Bucket=bucket, Prefix="a/")["Contents"]]
    assert keys == ["a/b c+d.bin"], keys
    s3.put_object_tagging(Bucket=bucket, Key="a/b c+d.bin",
                          Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    tags = s3.get_object_tagging(Bucket=bucket, Key="a/b c+d.bin")["TagSet"]
    assert tags == [{"Key": "k", "Value": "v"}], tags

    up = s3.create_multipart_upload(Bucket=bucket, Key="big.bin")
    data = [os.urandom(5 * 1024 * 1024), os.urandom(1234)]
    parts = []
    for n, d in enumerate(data, start=1):
        p = s3.upload_part(Bucket=bucket, Key="big.bin", UploadId=up["UploadId"], PartNumber=n,
                           Body=d)
        parts.append({"PartNumber": n, "ETag": p["ETag"]})
    listed = s3.list_parts(Bucket=bucket, Key="big.bin", UploadId=up["UploadId"])
    assert [p["PartNumber"] for p in listed["Parts"]] == [1, 2]
    s3.complete_multipart_upload(Bucket=bucket, Key="big.bin", UploadId=up["UploadId"],
                                 MultipartUpload={"Parts": parts})
    assert s3.get_object(Bucket=bucket, Key="big.bin")["Body"].read() == b"".join(data)

    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=bucket, Key="v", Body=b"one")["VersionId"]
    s3.put_object(Bucket=bucket, Key="v", Body=b"two")
    assert s3.get_object(Bucket=bucket, Key="v", VersionId=v1)["Body"].read() == b"one"
    versions = s3.list_object_versions(Bucket=bucket, Prefix="v")["Versions"]
    assert len(versions) == 2, versions
    everything = s3.list_object_versions(Bucket=bucket)["Versions"]
    first, rest = everything[0], everything[1:]
    s3.delete_object(Bucket=bucket, Key=first["Key"], VersionId=first["VersionId"])
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": v["Key"], "VersionId": v["VersionId"]} for v in rest]})
    r = s3.list_object_versions(Bucket=bucket)
    assert not r.get("Versions") and not r.get("DeleteMarkers"), r
    s3.delete_bucket(Bucket=bucket)
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    print("sigv2 boto3 ok")


if __name__ == "__main__":
    main(*sys.argv[1:5])
