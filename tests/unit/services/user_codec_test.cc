#include "services/security/user_codec.h"

#include <gtest/gtest.h>

#include "common/time.h"

namespace skyarray::services {
namespace {

TEST(UserCodecTest, UserRoundTrips) {
  User u{"alice", "Alice B.", from_ns(1'700'000'000'123'456'789), true};
  auto back = UserCodec::decode_user(UserCodec::encode(u));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->user_id, "alice");
  EXPECT_EQ(back->display_name, "Alice B.");
  EXPECT_EQ(to_ns(back->created), 1'700'000'000'123'456'789);
  EXPECT_TRUE(back->root);
}

TEST(UserCodecTest, AccessKeyRoundTripsWithItsSealedSecret) {
  StoredAccessKey k{AccessKey{"SKABC", "alice", from_ns(42), false}, std::string("\x01\0\xff", 3)};
  auto back = UserCodec::decode_key(UserCodec::encode(k));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->key.access_key_id, "SKABC");
  EXPECT_EQ(back->key.user_id, "alice");
  EXPECT_EQ(to_ns(back->key.created), 42);
  EXPECT_FALSE(back->key.active);
  EXPECT_EQ(back->sealed_secret, std::string("\x01\0\xff", 3));
}

TEST(UserCodecTest, AnythingElseIsCorruption) {
  for (std::string_view raw : {
           "",
           "[]",
           R"({"v":2,"id":"a","name":"","created_ns":1,"root":false})",
           R"({"v":1,"id":"a","name":"","created_ns":"1","root":false})",
           R"({"v":1,"name":"","created_ns":1,"root":false})",
       }) {
    auto u = UserCodec::decode_user(raw);
    ASSERT_FALSE(u.is_ok()) << raw;
    EXPECT_EQ(u.status().code(), StatusCode::kCorruption) << raw;
  }
  EXPECT_FALSE(UserCodec::decode_key(R"({"v":1,"key":"K","user":"u","created_ns":1,"active":true})")
                   .is_ok());
  EXPECT_FALSE(UserCodec::decode_key(
                   R"({"v":1,"key":"K","user":"u","created_ns":1,"active":true,"secret":"@@"})")
                   .is_ok());
}

}  // namespace
}  // namespace skyarray::services
