// The tally behind authd_events_written_total{type}: every known type listed
// (zeros included) so the series exist from the start, each add counted once
// under its type, anything else under "other".
#include "events/written_counts.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "events/event.hpp"

namespace authd::events {
namespace {

std::map<std::string, uint64_t> asMap(const WrittenCounts& c) {
  std::map<std::string, uint64_t> out;
  for (const auto& [type, n] : c.snapshot()) out[std::string(type)] = n;
  return out;
}

// Every subscribable type, webhook.test and "other" start at zero.
TEST(WrittenCountsTest, ListsEveryTypeFromTheStart) {
  const auto m = asMap(WrittenCounts{});
  EXPECT_EQ(m.size(), subscribableTypes().size() + 2);
  for (const auto t : subscribableTypes()) EXPECT_EQ(m.at(std::string(t)), 0u) << t;
  EXPECT_EQ(m.at("webhook.test"), 0u);
  EXPECT_EQ(m.at("other"), 0u);
}

// Adds land on their own type only; an unknown type is "other".
TEST(WrittenCountsTest, CountsPerType) {
  WrittenCounts c;
  c.add(type::kKeyCreated);
  c.add(type::kKeyCreated);
  c.add(type::kUserLogin);
  c.add("no.such_type");
  const auto m = asMap(c);
  EXPECT_EQ(m.at("key.created"), 2u);
  EXPECT_EQ(m.at("user.login"), 1u);
  EXPECT_EQ(m.at("other"), 1u);
  EXPECT_EQ(m.at("key.revoked"), 0u);
}

}  // namespace
}  // namespace authd::events
