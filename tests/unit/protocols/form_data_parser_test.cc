// The multipart/form-data parser of browser-form POST uploads: fields, the
// file streamed out in pieces however the body is cut, S3's "fields after
// the file are ignored", and the limits and malformations it refuses.
#include "protocols/s3/form_data_parser.h"

#include <gtest/gtest.h>

namespace skyarray::s3 {
namespace {

std::string part(const std::string& name, const std::string& value,
                 const std::string& extra_headers = "") {
  return "--B0und\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n" + extra_headers +
         "\r\n" + value + "\r\n";
}

const std::string kBody = "preamble to ignore\r\n" + part("key", "uploads/${filename}") +
                          part("acl", "private") +
                          "--B0und\r\nContent-Disposition: form-data; name=\"file\"; "
                          "filename=\"C:\\\\scans\\\\a.dcm\"\r\n"
                          "Content-Type: application/dicom\r\n\r\nDICM\r\n--B0unX\r\n\r\n" +
                          part("after", "ignored") + "--B0und--\r\nepilogue";

struct Parsed {
  Status status;
  FormDataParser parser{"B0und"};
  std::string file;
};

void parse_in_steps(Parsed& p, const std::string& body, size_t step) {
  for (size_t at = 0; at < body.size() && p.status.is_ok(); at += step) {
    p.status = p.parser.feed(std::string_view(body).substr(at, step));
    p.file += p.parser.take_file_data();
  }
}

TEST(FormDataParser, BoundaryOfContentType) {
  EXPECT_EQ(*FormDataParser::boundary_of("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(*FormDataParser::boundary_of("Multipart/Form-Data; charset=utf-8; boundary=\"a b\""),
            "a b");
  EXPECT_FALSE(FormDataParser::boundary_of("application/x-www-form-urlencoded").is_ok());
  EXPECT_FALSE(FormDataParser::boundary_of("multipart/form-data").is_ok());
  EXPECT_FALSE(
      FormDataParser::boundary_of("multipart/form-data; boundary=" + std::string(71, 'x')).is_ok());
}

TEST(FormDataParser, FieldsThenStreamedFileWhateverTheCuts) {
  for (size_t step : {kBody.size(), size_t{1}, size_t{2}, size_t{7}, size_t{16}}) {
    Parsed p;
    parse_in_steps(p, kBody, step);
    ASSERT_TRUE(p.status.is_ok()) << step << ": " << p.status.to_string();
    EXPECT_TRUE(p.parser.done());
    ASSERT_EQ(p.parser.fields().size(), 2u) << "the field after the file is ignored";
    EXPECT_EQ(p.parser.fields()[0].name, "key");
    EXPECT_EQ(p.parser.fields()[0].value, "uploads/${filename}");
    EXPECT_EQ(p.parser.fields()[1].value, "private");
    EXPECT_TRUE(p.parser.file_started());
    EXPECT_TRUE(p.parser.file_ended());
    EXPECT_EQ(p.parser.filename(), "C:\\scans\\a.dcm");
    EXPECT_EQ(p.parser.file_content_type(), "application/dicom");
    EXPECT_EQ(p.file, "DICM\r\n--B0unX\r\n") << "a near-delimiter is data";
  }
}

TEST(FormDataParser, FileBytesComeOutBeforeTheEnd) {
  FormDataParser p("B0und");
  std::string head =
      part("key", "k") + "--B0und\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n";
  ASSERT_TRUE(p.feed(head + std::string(100000, 'x')).is_ok());
  EXPECT_TRUE(p.file_started());
  EXPECT_GE(p.take_file_data().size(), 100000u - 10) << "streamed, not held to the end";
  ASSERT_TRUE(p.feed(std::string(5, 'y') + "\r\n--B0und--").is_ok());
  EXPECT_TRUE(p.done());
}

TEST(FormDataParser, RefusesMalformedAndOversized) {
  FormDataLimits small;
  small.max_field_bytes = 8;
  small.max_fields = 2;
  {
    FormDataParser p("B0und", small);
    EXPECT_FALSE(p.feed(part("key", "123456789") + part("b", "2")).is_ok()) << "field too large";
  }
  {
    FormDataParser p("B0und", small);
    EXPECT_FALSE(p.feed(part("a", "1") + part("b", "2") + part("c", "3")).is_ok());
  }
  {
    FormDataParser p("B0und");
    EXPECT_FALSE(p.feed("--B0und\r\nContent-Type: text/plain\r\n\r\nx\r\n--B0und--").is_ok())
        << "no name";
  }
  {
    FormDataParser p("B0und");
    EXPECT_FALSE(p.feed("--B0und\r\nContent-Disposition: attachment; name=a\r\n\r\nx\r\n").is_ok());
  }
  {
    FormDataParser p("B0und");
    EXPECT_FALSE(p.feed("--B0und\r\n" + std::string(10000, 'h')).is_ok()) << "headers too large";
  }
  {
    FormDataParser p("B0und");
    EXPECT_FALSE(p.feed("--B0undjunk\r\n").is_ok());
  }
  {
    FormDataParser p("B0und");
    ASSERT_TRUE(p.feed(part("key", "k")).is_ok());
    EXPECT_FALSE(p.done()) << "no closing delimiter yet";
  }
}

}  // namespace
}  // namespace skyarray::s3
