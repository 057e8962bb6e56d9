// DicomWebApi: DICOMweb (PS3.18) over the DICOM service, on an HttpServer
// of its own ([dicomweb] listen), under base path /dicom-web.
//
//   QIDO-RS  GET {base}/studies, /series, /instances and the nested forms
//            (/studies/{study}/series, /studies/{study}/instances,
//            /studies/{study}/series/{series}/instances): DICOM JSON
//            (application/dicom+json), matching as C-FIND does
//            (qido_query.h), limit and offset; 204 when nothing matches.
//   WADO-RS  GET {base}/studies/{study}[/series/{series}[/instances/{sop}]]:
//            multipart/related; type="application/dicom", one Part 10 part
//            an instance, in Explicit VR Little Endian unless the Accept
//            header names another transfer syntax (`*`: as stored);
//            uncompressed syntaxes are made by decoding (never by
//            compressing); a syntax we cannot make answers 406.
//            .../metadata: the instances' attributes as DICOM JSON, bulk
//            data (pixel data) left out.
//   STOW-RS  POST {base}/studies[/{study}], multipart/related of Part 10
//            files: each stored as a C-STORE would be (dataset bytes as
//            sent), the answer naming every stored and failed instance;
//            200, 202 (some failed) or 409 (none stored).
//   Every request is SigV4-signed (header or presigned URL) by a known key;
//   401 otherwise. Frames, rendered, thumbnails and bulkdata are not
//   served yet: 404, never a response that pretends.
#pragma once

#include <memory>
#include <string>

#include "common/async.h"
#include "protocols/auth/signed_request.h"
#include "protocols/http/http_message.h"

namespace skyarray::services::dicom {
class DicomService;
}

namespace skyarray::dicomweb {

class DicomWebApi {
 public:
  DicomWebApi(services::dicom::DicomService& service, auth::KeyLookup lookup);
  ~DicomWebApi();
  DicomWebApi(const DicomWebApi&) = delete;
  DicomWebApi& operator=(const DicomWebApi&) = delete;

  Task<http::HttpResponse> handle(http::HttpRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Errors as DICOMweb clients read them: the status and a JSON message.
http::HttpResponse dicomweb_http_error(const http::HttpError& error, const std::string& request_id);

}  // namespace skyarray::dicomweb
