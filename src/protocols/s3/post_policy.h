// PostPolicy: the policy document of an S3 browser-form POST upload (the
// base64 "policy" form field), parsed and checked against the form.
//
// Document (JSON): {"expiration": "<ISO 8601 UTC>", "conditions": [...]}
// with conditions
//   {"<field>": "<value>"}                 the field equals the value
//   ["eq", "$<field>", "<value>"]           same
//   ["starts-with", "$<field>", "<prefix>"] the field starts with the prefix
//                                           ("" allows any value)
//   ["content-length-range", min, max]      the file's size, in bytes
// Field names compare without case; "bucket" is the request's bucket. A
// field the form does not send counts as "".
//
// check() answers as S3 does: an expired policy or a failed condition →
// AccessDenied "Invalid according to Policy: ..."; a form field that no
// condition names (other than policy, x-amz-signature, file and
// x-ignore-*) → AccessDenied "... Extra input fields: <name>". The file's
// size is checked by the caller against content_length_range()
// (EntityTooSmall / EntityTooLarge) while it streams.
//
// Pure value code; fuzzed through fuzz/form_data_fuzz.cc.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace skyarray::s3 {

inline constexpr size_t kMaxPostPolicyBytes = 20 * 1024;

struct PostPolicyCondition {
  enum class Kind : uint8_t { kEq, kStartsWith, kContentLengthRange };
  Kind kind = Kind::kEq;
  std::string field;  // lower case, without '$'
  std::string value;
  uint64_t min = 0, max = 0;  // content-length-range
  std::string text;           // as S3 quotes it in errors: ["eq", "$key", "a"]
};

class PostPolicy {
 public:
  // The decoded JSON document (not base64). InvalidPolicyDocument on any
  // malformation.
  static Result<PostPolicy> parse(std::string_view json);

  int64_t expiration() const { return expiration_; }  // epoch seconds
  const std::vector<PostPolicyCondition>& conditions() const { return conditions_; }
  // [min, max] of the file's size, when a condition sets it.
  std::optional<std::pair<uint64_t, uint64_t>> content_length_range() const;

  // `fields`: the form's fields, names lower case, plus "bucket".
  Status check(const std::map<std::string, std::string>& fields,
               std::chrono::system_clock::time_point now) const;

 private:
  int64_t expiration_ = 0;
  std::vector<PostPolicyCondition> conditions_;
};

}  // namespace skyarray::s3
