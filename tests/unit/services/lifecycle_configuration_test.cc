// Lifecycle rules without stores: filters select by prefix, tags and size;
// due dates fall on the first midnight UTC after the days have passed; the
// earliest expiring rule names the expiration; validation refuses what S3
// refuses; the stored encoding round-trips.
#include "services/objects/lifecycle_configuration.h"

#include <gtest/gtest.h>

namespace skyarray::services {
namespace {

constexpr int64_t kDay = kNanosPerDay;
// 2026-03-10T15:30:00Z.
constexpr int64_t kMarch10 = int64_t{1773156600} * 1000000000;

LifecycleRule expire_after(std::string id, uint32_t days, std::string prefix = "") {
  LifecycleRule r;
  r.id = std::move(id);
  r.filter.form = FilterForm::kPrefix;
  r.filter.prefix = std::move(prefix);
  r.expiration_days = days;
  return r;
}

TEST(LifecycleConfigurationTest, FiltersSelectByPrefixTagsAndSize) {
  LifecycleFilter f;
  f.prefix = "scans/";
  f.tags = {{"dept", "radiology"}};
  f.size_greater_than = 100;
  f.size_less_than = 1000;
  const TagSet tags = {{"dept", "radiology"}, {"other", "x"}};
  EXPECT_TRUE(f.matches("scans/a", tags, 500));
  EXPECT_FALSE(f.matches("notes/a", tags, 500));
  EXPECT_FALSE(f.matches("scans/a", {{"dept", "cardiology"}}, 500));
  EXPECT_FALSE(f.matches("scans/a", {}, 500));
  EXPECT_FALSE(f.matches("scans/a", tags, 100));   // strictly greater
  EXPECT_FALSE(f.matches("scans/a", tags, 1000));  // strictly less
  EXPECT_TRUE(LifecycleFilter{}.matches("anything", {}, 0));
}

TEST(LifecycleConfigurationTest, DueOnTheFirstMidnightAfterTheDays) {
  const int64_t march10_midnight = kMarch10 - kMarch10 % kDay;
  EXPECT_EQ(lifecycle_due_ns(kMarch10, 1), march10_midnight + 2 * kDay);  // 12th 00:00
  EXPECT_EQ(lifecycle_due_ns(march10_midnight, 1), march10_midnight + kDay);
  EXPECT_EQ(lifecycle_due_ns(kMarch10, 365 * 15), march10_midnight + (365 * 15 + 1) * kDay);
}

TEST(LifecycleConfigurationTest, EarliestMatchingEnabledRuleExpires) {
  LifecycleConfiguration c;
  c.rules.push_back(expire_after("long", 30));
  c.rules.push_back(expire_after("short", 5, "tmp/"));
  LifecycleRule off = expire_after("off", 1);
  off.enabled = false;
  c.rules.push_back(off);
  LifecycleRule dated;
  dated.id = "dated";
  dated.filter.form = FilterForm::kTag;
  dated.filter.tags = {{"t", "1"}};
  dated.expiration_date_ns = kMarch10 - kMarch10 % kDay + 2 * kDay;
  c.rules.push_back(dated);
  ASSERT_TRUE(validate_lifecycle_configuration(c).is_ok());

  auto e = current_expiration(c, "tmp/x", {}, 1, kMarch10);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->rule_id, "short");
  EXPECT_EQ(e->date_ns, lifecycle_due_ns(kMarch10, 5));
  e = current_expiration(c, "keep/x", {}, 1, kMarch10);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->rule_id, "long");
  e = current_expiration(c, "keep/x", {{"t", "1"}}, 1, kMarch10);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->rule_id, "dated");

  LifecycleConfiguration none;
  LifecycleRule nc;
  nc.id = "nc";
  nc.noncurrent_days = 3;
  none.rules.push_back(nc);
  EXPECT_FALSE(current_expiration(none, "a", {}, 1, kMarch10));
}

TEST(LifecycleConfigurationTest, PrefixesCoverTheEnabledRules) {
  LifecycleConfiguration c;
  c.rules.push_back(expire_after("a", 1, "logs/"));
  c.rules.push_back(expire_after("b", 1, "logs/2024/"));
  c.rules.push_back(expire_after("c", 1, "tmp/"));
  EXPECT_EQ(lifecycle_prefixes(c), (std::vector<std::string>{"logs/", "tmp/"}));
  c.rules.push_back(expire_after("d", 1, ""));
  EXPECT_EQ(lifecycle_prefixes(c), (std::vector<std::string>{""}));
}

TEST(LifecycleConfigurationTest, ValidationRefusesWhatS3Refuses) {
  auto refused = [](LifecycleRule r) {
    LifecycleConfiguration c;
    c.rules.push_back(std::move(r));
    return validate_lifecycle_configuration(c).code() == StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(validate_lifecycle_configuration({}).code() == StatusCode::kInvalidArgument);
  LifecycleRule no_action;
  no_action.id = "x";
  EXPECT_TRUE(refused(no_action));
  LifecycleRule both = expire_after("x", 1);
  both.expiration_date_ns = 0;
  EXPECT_TRUE(refused(both));
  LifecycleRule not_midnight;
  not_midnight.id = "x";
  not_midnight.expiration_date_ns = kMarch10;
  EXPECT_TRUE(refused(not_midnight));
  LifecycleRule marker_and_days = expire_after("x", 1);
  marker_and_days.expired_object_delete_marker = true;
  EXPECT_TRUE(refused(marker_and_days));
  LifecycleRule marker_tags;
  marker_tags.id = "x";
  marker_tags.expired_object_delete_marker = true;
  marker_tags.filter.tags = {{"a", "b"}};
  EXPECT_TRUE(refused(marker_tags));
  LifecycleRule abort_size;
  abort_size.id = "x";
  abort_size.abort_days = 1;
  abort_size.filter.size_greater_than = 5;
  EXPECT_TRUE(refused(abort_size));
  LifecycleRule sizes = expire_after("x", 1);
  sizes.filter.size_greater_than = 10;
  sizes.filter.size_less_than = 10;
  EXPECT_TRUE(refused(sizes));
  LifecycleRule long_id = expire_after(std::string(256, 'i'), 1);
  EXPECT_TRUE(refused(long_id));
  LifecycleConfiguration dup;
  dup.rules = {expire_after("same", 1), expire_after("same", 2)};
  EXPECT_EQ(validate_lifecycle_configuration(dup).code(), StatusCode::kInvalidArgument);
}

TEST(LifecycleConfigurationTest, EncodingRoundTrips) {
  LifecycleConfiguration c;
  LifecycleRule r = expire_after("a", 30, "p/");
  r.filter.form = FilterForm::kAnd;
  r.filter.tags = {{"k", "v"}};
  r.filter.size_greater_than = 1;
  r.filter.size_less_than = 1u << 30;
  r.noncurrent_days = 7;
  r.newer_noncurrent_versions = 3;
  r.abort_days = 2;
  c.rules.push_back(r);
  LifecycleRule m;
  m.id = "m";
  m.enabled = false;
  m.filter.form = FilterForm::kLegacyPrefix;
  m.expired_object_delete_marker = false;
  m.expiration_date_ns = -kDay;
  c.rules.push_back(m);
  auto back = LifecycleConfiguration::decode(c.encode());
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(*back, c);
  std::string bytes = c.encode();
  EXPECT_FALSE(LifecycleConfiguration::decode(bytes.substr(0, bytes.size() - 1)).is_ok());
  EXPECT_FALSE(LifecycleConfiguration::decode(bytes + "x").is_ok());
}

}  // namespace
}  // namespace skyarray::services
