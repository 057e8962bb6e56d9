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
//            data (pixel data) left out. .../instances/{sop}/rendered and
//            .../frames/{n}/rendered: one frame as image/jpeg or image/png
//            (rendered_frame.h).
//   STOW-RS  POST {base}/studies[/{study}], multipart/related of Part 10
//            files: each stored as a C-STORE would be (dataset bytes as
//            sent), the answer naming every stored and failed instance;
//            200, 202 (some failed) or 409 (none stored).
//   Every request is SigV4-signed (header or presigned URL) by a known key,
//   or carries `Authorization: Bearer <token>` (a token of scope dicomweb,
//   `skyarray admin token create`, for browsers that cannot sign); 401
//   otherwise. CORS: origins listed in [dicomweb] cors_origins get the
//   Access-Control-* headers, and their preflight OPTIONS (unauthenticated,
//   as browsers send it) is answered; other origins get none. Raw frames,
//   thumbnails and bulkdata are not served yet: 501, never a response that
//   pretends.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/async.h"
#include "protocols/auth/signed_request.h"
#include "protocols/http/http_message.h"

namespace skyarray::services::dicom {
class DicomService;
}

namespace skyarray::dicomweb {

// The user a bearer token acts as, when it is a live dicomweb token of a
// user allowed to read the archive; an error otherwise.
using TokenCheck = std::function<Task<Result<std::string>>(std::string_view token)>;

class DicomWebApi {
 public:
  DicomWebApi(services::dicom::DicomService& service, auth::KeyLookup lookup,
              TokenCheck check_token, std::vector<std::string> cors_origins);
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
