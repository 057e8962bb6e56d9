// DicomWebApi: QIDO-RS and WADO-RS (dicomweb_api.h).
#include "protocols/dicomweb/dicomweb_api.h"

#include <dcmtk/config/osconfig.h>
// osconfig.h first (DCMTK's rule).
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcjson.h>
#include <spdlog/spdlog.h>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <sstream>
#include <vector>

#include "common/ascii.h"
#include "common/encoding.h"
#include "protocols/dicom/dicom_decoding.h"
#include "protocols/dicom/dicom_find_identifier.h"
#include "protocols/dicom/dicom_status.h"
#include "protocols/dicomweb/multipart_related.h"
#include "protocols/dicomweb/qido_query.h"
#include "protocols/dicomweb/rendered_frame.h"
#include "services/dicom/dicom_instance.h"
#include "services/dicom/dicom_service.h"
#include "services/dicom/dicom_tags.h"
#include "services/dicom/part10_file.h"

namespace skyarray::dicomweb {

namespace sd = services::dicom;

namespace {

constexpr std::string_view kBase = "/dicom-web";
constexpr const char* kExplicitLittleEndian = "1.2.840.10008.1.2.1";
// A WADO-RS response and a STOW-RS request are held whole; larger ones go
// per series or instance, or in several requests.
constexpr uint64_t kMaxRetrieveBytes = uint64_t{512} << 20;
constexpr uint64_t kMaxStoreBytes = uint64_t{512} << 20;
constexpr uint16_t kCannotUnderstand = 0xC000;

http::HttpResponse error(unsigned status, std::string_view code, std::string_view message) {
  http::HttpResponse r;
  r.status = status;
  r.set("Content-Type", "application/json");
  r.body = boost::json::serialize(boost::json::value{{"error", code}, {"message", message}});
  r.body += '\n';
  return r;
}

http::HttpResponse error(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      return error(400, "BadRequest", s.message());
    case StatusCode::kUnauthenticated:
    case StatusCode::kSignatureMismatch:
      return error(401, "Unauthorized", s.message());
    case StatusCode::kPermissionDenied:
      return error(403, "Forbidden", s.message());
    case StatusCode::kNotFound:
      return error(404, "NotFound", s.message());
    case StatusCode::kNotSupported:
      return error(501, "NotImplemented", s.message());
    case StatusCode::kTooLarge:
      return error(413, "PayloadTooLarge", s.message());
    default:
      return error(500, "InternalError", s.message());
  }
}

// What the path names: a search at a level, a retrieve, or metadata, with
// the UIDs it carries.
struct Route {
  enum Kind { kSearch, kRetrieve, kMetadata, kRendered } kind = kSearch;
  QidoLevel level = QidoLevel::kStudy;
  std::string study, series, sop;
  unsigned frame = 1;  // kRendered
};

Result<Route> route_of(std::string_view path) {
  if (path.substr(0, kBase.size()) != kBase) return Status::not_found("not a DICOMweb path");
  std::vector<std::string> s;
  std::string_view rest = path.substr(kBase.size());
  while (!rest.empty()) {
    size_t slash = rest.find('/', 1);
    std::string_view part = rest.substr(1, slash == std::string_view::npos ? rest.npos : slash - 1);
    if (rest[0] != '/' || part.empty()) return Status::not_found("malformed DICOMweb path");
    s.emplace_back(part);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  }
  Route r;
  const size_t n = s.size();
  auto is = [&](size_t i, const char* word) { return i < n && s[i] == word; };
  if (n == 1 && (is(0, "studies") || is(0, "series") || is(0, "instances"))) {
    r.level = is(0, "studies")  ? QidoLevel::kStudy
              : is(0, "series") ? QidoLevel::kSeries
                                : QidoLevel::kInstance;
    return r;
  }
  if (!is(0, "studies") || n < 2) return Status::not_found("no such DICOMweb resource");
  r.study = s[1];
  size_t i = 2;
  if (is(i, "series") && n > i + 1) {
    r.series = s[i + 1];
    i += 2;
    if (is(i, "instances") && n > i + 1) {
      r.sop = s[i + 1];
      i += 2;
    }
  }
  if (i == n) {
    r.kind = Route::kRetrieve;
    return r;
  }
  if (!r.sop.empty() && i + 1 == n && is(i, "rendered")) {
    r.kind = Route::kRendered;
    return r;
  }
  if (!r.sop.empty() && i + 3 == n && is(i, "frames") && is(i + 2, "rendered")) {
    auto number = parse_u64(s[i + 1]);
    if (!number || *number == 0 || *number > 1000000) {
      return Status::not_found("frames are numbered from 1 (one frame per rendered request)");
    }
    r.kind = Route::kRendered;
    r.frame = static_cast<unsigned>(*number);
    return r;
  }
  if (i + 1 == n && is(i, "metadata")) {
    r.kind = Route::kMetadata;
    return r;
  }
  if (i + 1 == n && r.sop.empty() && is(i, "series") && r.series.empty()) {
    r.level = QidoLevel::kSeries;
    return r;
  }
  if (i + 1 == n && r.sop.empty() && is(i, "instances")) {
    r.level = QidoLevel::kInstance;
    return r;
  }
  // Resources PS3.18 defines that are not served yet: not implemented, not
  // "not found".
  for (size_t k = 2; k < n; ++k) {
    if (s[k] == "frames" || s[k] == "thumbnail" || s[k] == "bulkdata" || s[k] == "rendered") {
      return Status(StatusCode::kNotSupported,
                    "DICOMweb " + s[k] +
                        " is not served here (raw frames, thumbnails and "
                        "bulk data are not implemented)");
    }
  }
  return Status::not_found("no such DICOMweb resource");
}

// The dataset of a Part 10 file, pixel data and other bulk data left out.
std::unique_ptr<DcmFileFormat> without_bulk_data(const std::string& file) {
  auto ff = dicom::read_part10(file);
  if (!ff) return nullptr;
  DcmDataset* ds = ff->getDataset();
  for (const DcmTagKey& bulk :
       {DCM_PixelData, DCM_FloatPixelData, DCM_DoubleFloatPixelData, DCM_EncapsulatedDocument}) {
    delete ds->remove(bulk);
  }
  return ff;
}

std::string json_of(DcmItem& item) {
  std::ostringstream out;
  DcmJsonFormatCompact format(OFFalse);
  item.writeJsonExt(out, format, OFTrue, OFFalse);
  return out.str();
}

// The transfer syntax the Accept header asks for ("*": as stored), or
// nullopt when it accepts nothing we send (multipart/related of
// application/dicom).
std::optional<std::string> accepted_syntax(const http::HttpRequest& request) {
  auto accept = request.header("Accept");
  if (!accept || accept->empty()) return std::string(kExplicitLittleEndian);
  std::string a = ascii_lower(*accept);
  if (a.find("multipart/related") == std::string::npos && a.find("*/*") == std::string::npos) {
    return std::nullopt;
  }
  size_t ts = a.find("transfer-syntax=");
  if (ts == std::string::npos) return std::string(kExplicitLittleEndian);
  std::string_view v = std::string_view(*accept).substr(ts + 16);
  v = v.substr(0, v.find_first_of(";, "));
  return std::string(trim(v, "\""));
}

// One instance of a STOW-RS request, stored or refused.
struct StowOutcome {
  std::string sop_class, sop_instance;
  Status status;
};

void add_outcome(DcmDataset& response, const StowOutcome& o, const std::string& base_url,
                 const std::string& study) {
  DcmItem* item = nullptr;
  const DcmTagKey sequence = o.status.is_ok() ? DCM_ReferencedSOPSequence : DCM_FailedSOPSequence;
  if (response.findOrCreateSequenceItem(sequence, item, -2).bad() || item == nullptr) return;
  item->putAndInsertString(DCM_ReferencedSOPClassUID, o.sop_class.c_str());
  item->putAndInsertString(DCM_ReferencedSOPInstanceUID, o.sop_instance.c_str());
  if (!o.status.is_ok()) {
    uint16_t reason = o.status.code() == StatusCode::kInvalidArgument && o.sop_instance.empty()
                          ? kCannotUnderstand
                          : dicom::store_status(o.status);
    item->putAndInsertUint16(DCM_FailureReason, reason);
  } else if (!study.empty()) {
    item->putAndInsertString(DCM_RetrieveURL, (base_url + "/studies/" + study).c_str());
  }
}

}  // namespace

struct DicomWebApi::Impl {
  sd::DicomService& service;
  auth::KeyLookup lookup;
  TokenCheck check_token;
  std::vector<std::string> cors_origins;

  // The request's Origin when it is one of cors_origins.
  std::optional<std::string> allowed_origin(const http::HttpRequest& request) const {
    auto origin = request.header("Origin");
    if (!origin) return std::nullopt;
    for (const auto& o : cors_origins) {
      if (o == *origin) return o;
    }
    return std::nullopt;
  }

  // The caller's user id: a bearer token's, or a SigV4 signer's.
  Task<Result<std::string>> authenticate(const http::HttpRequest& request,
                                         const auth::SignableRequest& signable,
                                         const std::string& body) {
    auto authorization = request.header("Authorization");
    if (authorization && istarts_with(*authorization, "Bearer ")) {
      co_return co_await check_token(trim(authorization->substr(7)));
    }
    auto owner = co_await auth::verify_signed_request(signable, body, lookup,
                                                      std::chrono::system_clock::now());
    if (!owner.is_ok()) co_return owner.status();
    co_return owner->user_id;
  }

  Task<http::HttpResponse> serve(http::HttpRequest& request);

  Task<http::HttpResponse> search(const Route& r, std::string_view raw_query) {
    auto qido = parse_qido(r.level, r.study, r.series, raw_query);
    if (!qido.is_ok()) co_return error(qido.status());
    auto query = dicom::query_from_identifier(*qido->identifier, dicom::QueryModel::kStudyRoot);
    if (!query.is_ok()) co_return error(query.status());
    query->limit = qido->limit;
    query->offset = qido->offset;
    auto matches = co_await service.find(*query);
    if (!matches.is_ok()) co_return error(matches.status());
    http::HttpResponse rsp;
    if (matches->empty()) {
      rsp.status = 204;
      co_return rsp;
    }
    rsp.set("Content-Type", "application/dicom+json");
    rsp.body = "[";
    for (const auto& match : *matches) {
      DcmDataset one;
      dicom::fill_response(*qido->identifier, match, &one);
      delete one.remove(DCM_QueryRetrieveLevel);
      delete one.remove(DCM_SpecificCharacterSet);  // JSON is UTF-8
      if (rsp.body.size() > 1) rsp.body += ',';
      rsp.body += json_of(one);
    }
    rsp.body += "]";
    co_return rsp;
  }

  // The instances a retrieve or metadata path names, with their files.
  Task<Result<std::vector<std::string>>> files_of(const Route& r) {
    sd::DicomQuery q;
    q.level = sd::DicomLevel::kInstance;
    q.keys[sd::tags::kStudyInstanceUid] = r.study;
    if (!r.series.empty()) q.keys[sd::tags::kSeriesInstanceUid] = r.series;
    if (!r.sop.empty()) q.keys[sd::tags::kSopInstanceUid] = r.sop;
    auto matches = co_await service.find(q);
    if (!matches.is_ok()) co_return matches.status();
    if (matches->empty()) co_return Status::not_found("no such study, series or instance");
    std::vector<std::string> files;
    uint64_t total = 0;
    for (const auto& m : *matches) {
      auto file = co_await service.read_instance(m.get(sd::tags::kStudyInstanceUid),
                                                 m.get(sd::tags::kSeriesInstanceUid),
                                                 m.get(sd::tags::kSopInstanceUid));
      if (!file.is_ok()) co_return file.status();
      total += file->size();
      if (total > kMaxRetrieveBytes) {
        co_return Status(StatusCode::kTooLarge, "over 512 MiB: retrieve per series or instance");
      }
      files.push_back(std::move(file).value());
    }
    co_return files;
  }

  Task<http::HttpResponse> retrieve(const Route& r, const http::HttpRequest& request) {
    auto syntax = accepted_syntax(request);
    if (!syntax) {
      co_return error(406, "NotAcceptable",
                      "instances are sent as multipart/related; type=\"application/dicom\"");
    }
    auto files = co_await files_of(r);
    if (!files.is_ok()) {
      if (files.status().code() == StatusCode::kTooLarge) {
        co_return error(413, "TooLarge", files.status().message());
      }
      co_return error(files.status());
    }
    const std::string boundary = "skyarray-" + hex_encode(request.request_id()).substr(0, 24);
    http::HttpResponse rsp;
    for (auto& file : *files) {
      auto meta = sd::Part10File::read(file);
      if (!meta.is_ok()) co_return error(Status(StatusCode::kCorruption, meta.status().message()));
      std::string ts = *syntax == "*" ? meta->transfer_syntax : *syntax;
      if (meta->transfer_syntax != ts) {
        auto decoded = dicom::part10_in_syntax(file, ts);
        if (!decoded.is_ok()) {
          co_return error(406, "NotAcceptable",
                          "transfer syntax " + ts + ": " + decoded.status().message());
        }
        file = std::move(decoded).value();
      }
      rsp.body += "--" + boundary + "\r\nContent-Type: application/dicom; transfer-syntax=" + ts +
                  "\r\n\r\n";
      rsp.body += file;
      rsp.body += "\r\n";
    }
    rsp.body += "--" + boundary + "--\r\n";
    rsp.set("Content-Type", "multipart/related; type=\"application/dicom\"; boundary=" + boundary);
    co_return rsp;
  }

  // One part of a STOW-RS request: a Part 10 file, stored with its
  // dataset's bytes as sent.
  Task<StowOutcome> store_one(const BodyPart& part, const std::string& path_study,
                              std::string* study) {
    StowOutcome o;
    std::string type = media_type_of(part.header("content-type"));
    if (!type.empty() && type != "application/dicom") {
      o.status = Status::invalid_argument("part is " + type + ", not application/dicom");
      co_return o;
    }
    auto file = sd::Part10File::read(part.data);
    if (!file.is_ok()) {
      o.status = file.status();
      co_return o;
    }
    o.sop_class = file->sop_class_uid;
    o.sop_instance = file->sop_instance_uid;
    sd::DicomStoreRequest request;
    request.calling_ae = "DICOMWEB";
    request.sop_class_uid = file->sop_class_uid;
    request.sop_instance_uid = file->sop_instance_uid;
    request.transfer_syntax = file->transfer_syntax;
    request.dataset = std::string(part.data.substr(file->dataset_offset));
    if (!path_study.empty()) {
      auto parsed = sd::DicomInstance::parse(request.dataset, request.transfer_syntax);
      if (parsed.is_ok() && parsed->study_uid != path_study) {
        o.status = Status::invalid_argument("instance of another study than the path names");
        co_return o;
      }
    }
    auto stored = co_await service.store(request);
    o.status = stored.status();
    if (stored.is_ok()) *study = stored->study_uid;
    co_return o;
  }

  Task<http::HttpResponse> store(const Route& r, const http::HttpRequest& request,
                                 const std::string& body) {
    std::string content_type(request.header("Content-Type").value_or(""));
    std::string type = ascii_lower(media_type_parameter(content_type, "type"));
    if (media_type_of(content_type) != "multipart/related" ||
        (!type.empty() && type != "application/dicom")) {
      co_return error(415, "UnsupportedMediaType",
                      "STOW-RS takes multipart/related; type=\"application/dicom\"");
    }
    auto parts = split_multipart(body, media_type_parameter(content_type, "boundary"));
    if (!parts.is_ok()) co_return error(parts.status());
    const std::string base_url = std::string(request.secure() ? "https://" : "http://") +
                                 std::string(request.header("Host").value_or("")) +
                                 std::string(kBase);
    DcmDataset response;
    size_t stored = 0, failed = 0;
    for (const auto& part : *parts) {
      std::string study;
      StowOutcome o = co_await store_one(part, r.study, &study);
      (o.status.is_ok() ? stored : failed)++;
      if (!o.status.is_ok()) {
        spdlog::warn("DICOMweb STOW of {} refused: {}", o.sop_instance, o.status.to_string());
      }
      add_outcome(response, o, base_url, study);
    }
    http::HttpResponse rsp;
    rsp.status = failed == 0 ? 200 : stored == 0 ? 409 : 202;
    rsp.set("Content-Type", "application/dicom+json");
    rsp.body = json_of(response);
    co_return rsp;
  }

  Task<http::HttpResponse> rendered(const Route& r, const http::HttpRequest& request) {
    std::string accept = ascii_lower(request.header("Accept").value_or("image/jpeg"));
    const bool jpeg = accept.find("image/jpeg") != std::string::npos ||
                      accept.find("*/*") != std::string::npos ||
                      accept.find("image/*") != std::string::npos;
    const bool png = accept.find("image/png") != std::string::npos;
    if (!jpeg && !png)
      co_return error(406, "NotAcceptable", "rendered images are image/jpeg or image/png");
    const RenderedFormat format = jpeg ? RenderedFormat::kJpeg : RenderedFormat::kPng;
    auto files = co_await files_of(r);
    if (!files.is_ok()) co_return error(files.status());
    auto image = render_frame(files->front(), r.frame, format);
    if (!image.is_ok()) co_return error(image.status());
    http::HttpResponse rsp;
    rsp.set("Content-Type", format == RenderedFormat::kJpeg ? "image/jpeg" : "image/png");
    rsp.body = std::move(image).value();
    co_return rsp;
  }

  Task<http::HttpResponse> metadata(const Route& r) {
    auto files = co_await files_of(r);
    if (!files.is_ok()) co_return error(files.status());
    http::HttpResponse rsp;
    rsp.set("Content-Type", "application/dicom+json");
    rsp.body = "[";
    for (const auto& file : *files) {
      auto ff = without_bulk_data(file);
      if (!ff) co_return error(Status(StatusCode::kCorruption, "stored instance does not parse"));
      (void)ff->getDataset()->convertToUTF8();
      delete ff->getDataset()->remove(DCM_SpecificCharacterSet);
      if (rsp.body.size() > 1) rsp.body += ',';
      rsp.body += json_of(*ff->getDataset());
    }
    rsp.body += "]";
    co_return rsp;
  }
};

DicomWebApi::DicomWebApi(sd::DicomService& service, auth::KeyLookup lookup, TokenCheck check_token,
                         std::vector<std::string> cors_origins)
    : impl_(std::make_unique<Impl>(
          Impl{service, std::move(lookup), std::move(check_token), std::move(cors_origins)})) {}

DicomWebApi::~DicomWebApi() = default;

Task<http::HttpResponse> DicomWebApi::handle(http::HttpRequest& request) {
  auto origin = impl_->allowed_origin(request);
  if (request.method() == "OPTIONS") {
    // A browser's CORS preflight: no credentials by design.
    if (!origin) co_return error(403, "Forbidden", "origin not allowed");
    http::HttpResponse r;
    r.status = 204;
    r.set("Access-Control-Allow-Origin", *origin);
    r.set("Access-Control-Allow-Methods", "GET, POST");
    r.set("Access-Control-Allow-Headers", "Authorization, Accept, Content-Type");
    r.set("Access-Control-Max-Age", "600");
    r.set("Vary", "Origin");
    co_return r;
  }
  http::HttpResponse r = co_await impl_->serve(request);
  if (origin) {
    r.set("Access-Control-Allow-Origin", *origin);
    r.set("Access-Control-Expose-Headers", "Content-Type");
    r.set("Vary", "Origin");
  }
  co_return r;
}

Task<http::HttpResponse> DicomWebApi::Impl::serve(http::HttpRequest& request) {
  const bool post = request.method() == "POST";
  auto body = co_await request.read_body_string(post ? kMaxStoreBytes : 64 * 1024);
  if (!body.is_ok()) co_return error(body.status());
  auto signable = auth::signable_request(request.method(), request.target(), request.headers());
  if (!signable.is_ok()) co_return error(signable.status());
  auto caller = co_await authenticate(request, *signable, *body);
  if (!caller.is_ok()) {
    spdlog::warn("DICOMweb: refused {} {} from {}: {}", request.method(), signable->raw_path,
                 request.remote(), status_code_name(caller.status().code()));
    co_return error(caller.status());
  }
  auto route = route_of(signable->raw_path);
  if (!route.is_ok()) co_return error(route.status());
  if (post) {
    // STOW-RS: POST {base}/studies or {base}/studies/{study}.
    if (route->kind != Route::kSearch || route->level != QidoLevel::kStudy) {
      if (route->kind != Route::kRetrieve || !route->series.empty()) {
        co_return error(405, "MethodNotAllowed", "instances are stored with POST to /studies");
      }
    }
    co_return co_await store(*route, request, *body);
  }
  if (request.method() != "GET") {
    auto r = error(405, "MethodNotAllowed", "DICOMweb resources here are read with GET");
    r.set("Allow", "GET, POST");
    co_return r;
  }
  const std::string& target = request.target();
  size_t q = target.find('?');
  std::string_view raw_query =
      q == std::string::npos ? std::string_view() : std::string_view(target).substr(q + 1);
  switch (route->kind) {
    case Route::kSearch:
      co_return co_await search(*route, raw_query);
    case Route::kRetrieve:
      co_return co_await retrieve(*route, request);
    case Route::kMetadata:
      co_return co_await metadata(*route);
    case Route::kRendered:
      co_return co_await rendered(*route, request);
  }
  co_return error(Status::internal("unrouted"));
}

http::HttpResponse dicomweb_http_error(const http::HttpError& e, const std::string& request_id) {
  http::HttpResponse r = error(e.status, e.code, e.message);
  r.set("x-request-id", request_id);
  return r;
}

}  // namespace skyarray::dicomweb
