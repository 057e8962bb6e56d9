#include <gtest/gtest.h>

#include "services/cloud/cloud_journal.h"

namespace skyarray::services {
namespace {

TEST(CloudJournalLineTest, PutAndDeleteRoundTrip) {
  CloudJournalLine put;
  put.seq = 18'000'000'000'000'000'001ull;
  put.key = "studies/1.2/a b.dcm";
  put.size = 5'000'000'000ull;
  put.etag = "0123456789abcdef0123456789abcdef-3";
  auto back = CloudJournalLine::decode(put.encode());
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->seq, put.seq);
  EXPECT_EQ(back->op, CloudJournalLine::Op::kPut);
  EXPECT_EQ(back->key, put.key);
  EXPECT_EQ(back->size, put.size);
  EXPECT_EQ(back->etag, put.etag);

  CloudJournalLine del;
  del.seq = 7;
  del.op = CloudJournalLine::Op::kDelete;
  del.key = "gone";
  auto d = CloudJournalLine::decode(del.encode());
  ASSERT_TRUE(d.is_ok()) << d.status().to_string();
  EXPECT_EQ(d->op, CloudJournalLine::Op::kDelete);
  EXPECT_EQ(d->key, "gone");
  EXPECT_EQ(d->seq, 7u);
}

TEST(CloudJournalLineTest, ReadsTheVersionOneFormat) {
  auto line = CloudJournalLine::decode(
      R"({"v":1,"seq":12,"key":"k","op":"put","size":3,"etag":"900150983cd24fb0d6963f7d28e17f72"})");
  ASSERT_TRUE(line.is_ok()) << line.status().to_string();
  EXPECT_EQ(line->seq, 12u);
  EXPECT_EQ(line->size, 3u);
}

TEST(CloudJournalLineTest, AnythingElseIsCorruption) {
  for (std::string_view raw : {"", "{}", "[1]", R"({"seq":1,"key":"k"})", R"({"seq":1,"op":"put"})",
                               R"({"key":"k","op":"put"})", R"({"seq":-1,"key":"k","op":"put"})",
                               R"({"seq":1,"key":"k","op":"rename"})"}) {
    auto line = CloudJournalLine::decode(raw);
    ASSERT_FALSE(line.is_ok()) << raw;
    EXPECT_EQ(line.status().code(), StatusCode::kCorruption) << raw;
  }
}

}  // namespace
}  // namespace skyarray::services
