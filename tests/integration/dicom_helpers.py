"""DICOM test data and DCMTK client wrappers for the DIMSE tests.

Instances are written with pydicom (Debian's python3-pydicom) into Part 10
files; compressed ones are made from them with DCMTK's dcmcrle. The
clients are DCMTK's echoscu, storescu and findscu, run with TCP_NODELAY=1
(DCMTK leaves Nagle's algorithm on otherwise).
"""

import os
import struct
import subprocess

import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

CT = "1.2.840.10008.5.1.4.1.1.2"
MR = "1.2.840.10008.5.1.4.1.1.4"
US = "1.2.840.10008.5.1.4.1.1.6.1"
SC = "1.2.840.10008.5.1.4.1.1.7"
RLE = "1.2.840.10008.1.2.5"
CLASS_OF = {"CT": CT, "MR": MR, "US": US, "OT": SC}
ROOT = "1.2.826.0.1.3680043.99."


def dicom_env():
    env = dict(os.environ)
    env["TCP_NODELAY"] = "1"
    return env


def make_instance(path, *, patient_id, patient_name, charset, study, series, sop, modality,
                  study_date, number, implicit=False, description="STUDY"):
    """Writes one small image; returns its attributes as the test expects
    the archive to report them (names as Python strings)."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CLASS_OF[modality]
    meta.MediaStorageSOPInstanceUID = sop
    meta.TransferSyntaxUID = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = charset
    ds.SOPClassUID = CLASS_OF[modality]
    ds.SOPInstanceUID = sop
    ds.StudyDate = study_date
    ds.StudyTime = "101500"
    ds.AccessionNumber = "ACC" + patient_id
    ds.Modality = modality
    ds.StudyDescription = description
    ds.PatientName = patient_name
    ds.PatientID = patient_id
    ds.PatientBirthDate = "19700101"
    ds.PatientSex = "O"
    ds.StudyInstanceUID = study
    ds.SeriesInstanceUID = series
    ds.StudyID = "1"
    ds.SeriesNumber = 1
    ds.InstanceNumber = number
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = 16
    ds.Columns = 16
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.PixelData = bytes((i * 7 + number) % 256 for i in range(16 * 16 * 2))
    ds.is_little_endian = True
    ds.is_implicit_VR = implicit
    ds.save_as(path, write_like_original=False)
    return {"patient_id": patient_id, "patient_name": patient_name, "study": study,
            "series": series, "sop": sop, "modality": modality, "study_date": study_date,
            "path": path}


def rle_copy(src, dst):
    subprocess.run(["dcmcrle", src, dst], check=True, capture_output=True)
    return dst


def dataset_bytes(data):
    """The bytes after a Part 10 file's meta group."""
    assert data[128:132] == b"DICM", "not a Part 10 file"
    tag, vr, length = struct.unpack("<I2sH", data[132:140])
    assert tag == 0x00000002 and vr == b"UL" and length == 4, "meta group starts without its length"
    (group_length,) = struct.unpack("<I", data[140:144])
    return data[144 + group_length:]


def transfer_syntax(data):
    import io
    return str(pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
               .file_meta.TransferSyntaxUID)


def echoscu(port, calling="STORESCU", called="SKYARRAY"):
    return subprocess.run(["echoscu", "-aet", calling, "-aec", called, "127.0.0.1", str(port)],
                          capture_output=True, text=True, env=dicom_env(), timeout=120)


def storescu(port, files, *options, calling="STORESCU", background=False):
    cmd = ["storescu", "-nh", "-aet", calling, "-aec", "SKYARRAY", *options, "127.0.0.1",
           str(port), *files]
    if background:
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env=dicom_env())
    return subprocess.run(cmd, capture_output=True, text=True, env=dicom_env(), timeout=600)


def findscu(port, out_dir, model, keys, calling="STORESCU"):
    """Runs one C-FIND; returns the response identifiers as pydicom datasets."""
    os.makedirs(out_dir, exist_ok=True)
    for name in os.listdir(out_dir):
        os.unlink(os.path.join(out_dir, name))
    cmd = ["findscu", "-S" if model == "study" else "-P", "-aet", calling, "-aec", "SKYARRAY",
           "-X", "-od", out_dir, "127.0.0.1", str(port)]
    for k in keys:
        cmd += ["-k", k]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=dicom_env(), timeout=120)
    if proc.returncode != 0:
        raise AssertionError(f"findscu failed ({proc.returncode}): {proc.stdout}\n{proc.stderr}")
    return [pydicom.dcmread(os.path.join(out_dir, n), force=True)
            for n in sorted(os.listdir(out_dir))]
