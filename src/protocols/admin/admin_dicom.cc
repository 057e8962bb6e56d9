#include "protocols/admin/admin_dicom.h"

#include "protocols/admin/admin_metrics.h"
#include "services/dicom/dicom_service.h"

namespace skyarray::admin {

Task<std::string> dicom_metrics(services::dicom::DicomService& dicom) {
  auto s = co_await dicom.stats();
  if (!s.is_ok()) co_return std::string();
  PrometheusText e;
  e.gauge("dicom_instances", "SOP instances in the DICOM index", static_cast<double>(s->instances));
  e.counter("dicom_stored_total", "DICOM instances stored since start",
            static_cast<double>(s->stored));
  e.counter("dicom_duplicates_total", "DICOM instances received again (duplicates policy)",
            static_cast<double>(s->duplicates));
  e.counter("dicom_refused_total", "DICOM stores that failed", static_cast<double>(s->refused));
  co_return e.take();
}

}  // namespace skyarray::admin
