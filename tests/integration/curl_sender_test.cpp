// delivery::CurlSender against a loopback receiver: what goes on the wire, and the limits (no redirects, the
// response body cap, the timeout, the address policy at connect time). Needs no stack: the receiver runs here.
#include "delivery/curl_sender.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "support/loopback_receiver.hpp"

namespace authd::testing {
namespace {

using namespace std::chrono_literals;
using delivery::CurlSender;
using delivery::kMaxResponseBody;

events::WebhookRequest post(const std::string& url, std::chrono::milliseconds timeout = 3000ms) {
  return {url, {{"Content-Type", "application/json"}, {"webhook-id", "msg_1"}}, R"({"type":"user.login"})", timeout};
}

// A POST with the given headers and body; the status comes back.
TEST(CurlSenderTest, PostsHeadersAndBody) {
  LoopbackReceiver rx([](const ReceivedRequest&) { return ReceiverAnswer{.status = 202}; });
  CurlSender sender({.allowPrivate = true});
  const auto out = sender.send(post(rx.url("/in?x=1")));
  EXPECT_EQ(out.status, 202) << out.error;
  EXPECT_EQ(out.error, "");
  const auto got = rx.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].target, "/in?x=1");
  EXPECT_EQ(got[0].header("content-type"), "application/json");
  EXPECT_EQ(got[0].header("webhook-id"), "msg_1");
  EXPECT_EQ(got[0].header("expect"), "");
  EXPECT_EQ(got[0].body, R"({"type":"user.login"})");
}

// A 302 is the answer, not followed: the Location's receiver gets nothing.
TEST(CurlSenderTest, RedirectIsNotFollowed) {
  LoopbackReceiver target;
  LoopbackReceiver rx([&](const ReceivedRequest&) {
    return ReceiverAnswer{.status = 302, .headers = {{"Location", target.url("/elsewhere")}}};
  });
  CurlSender sender({.allowPrivate = true});
  const auto out = sender.send(post(rx.url()));
  EXPECT_EQ(out.status, 302) << out.error;
  EXPECT_EQ(rx.requests().size(), 1u);
  EXPECT_EQ(target.connections(), 0);
}

// A 1 MiB answer is read up to 4 KiB and cut there; its status stands.
TEST(CurlSenderTest, ResponseBodyIsReadOnlyUpToTheCap) {
  LoopbackReceiver rx(
      [](const ReceivedRequest&) { return ReceiverAnswer{.status = 200, .body = std::string(1 << 20, 'x')}; });
  CurlSender sender({.allowPrivate = true});
  const auto out = sender.send(post(rx.url()));
  EXPECT_EQ(out.status, 200) << out.error;
  EXPECT_LE(out.bodyBytes, kMaxResponseBody);
  EXPECT_GT(out.bodyBytes, 0u);
}

// A receiver that promises 1 MiB, sends 8 KiB and stalls: the sender is done at the cap, not at the timeout.
TEST(CurlSenderTest, StalledLargeBodyEndsAtTheCapNotTheTimeout) {
  LoopbackReceiver rx([](const ReceivedRequest&) {
    return ReceiverAnswer{.status = 200, .body = std::string(8192, 'x'), .contentLength = 1 << 20, .holdOpen = 4s};
  });
  CurlSender sender({.allowPrivate = true});
  const auto t0 = std::chrono::steady_clock::now();
  const auto out = sender.send(post(rx.url(), 3000ms));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1500ms);
  EXPECT_EQ(out.status, 200) << out.error;
  EXPECT_EQ(out.bodyBytes, kMaxResponseBody);
}

// A receiver slower than the timeout: no status, "timeout", after about the timeout.
TEST(CurlSenderTest, SlowReceiverTimesOut) {
  LoopbackReceiver rx([](const ReceivedRequest&) { return ReceiverAnswer{.status = 200, .delay = 3s}; });
  CurlSender sender({.allowPrivate = true});
  const auto t0 = std::chrono::steady_clock::now();
  const auto out = sender.send(post(rx.url(), 400ms));
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(out.status, 0);
  EXPECT_EQ(out.error, "timeout");
  EXPECT_GE(took, 350ms);
  EXPECT_LT(took, 2s);
}

// Without WEBHOOK_ALLOW_PRIVATE, 127.0.0.1 (by number or by the name localhost) is refused before the connection is
// made: the receiver sees none.
TEST(CurlSenderTest, LoopbackRefusedAtConnectWithoutAllowPrivate) {
  LoopbackReceiver rx;
  CurlSender sender({.allowPrivate = false});
  for (const auto& url : {rx.url(), "http://localhost:" + std::to_string(rx.port()) + "/hook"}) {
    const auto out = sender.send(post(url));
    EXPECT_EQ(out.status, 0) << url;
    EXPECT_EQ(out.error, "address not allowed") << url;
  }
  EXPECT_EQ(rx.connections(), 0);
}

// Only http and https: another scheme is refused without a request; a closed port is a connection error.
TEST(CurlSenderTest, OtherSchemesAndClosedPortsFail) {
  CurlSender sender({.allowPrivate = true});
  const auto file = sender.send(post("file:///etc/passwd"));
  EXPECT_EQ(file.status, 0);
  EXPECT_EQ(file.error, "unsupported protocol");
  uint16_t closed = 0;
  {
    LoopbackReceiver gone;
    closed = gone.port();
  }
  const auto refused = sender.send(post("http://127.0.0.1:" + std::to_string(closed) + "/"));
  EXPECT_EQ(refused.status, 0);
  EXPECT_EQ(refused.error, "could not connect");
}

// cancel() cuts a send in flight short, and every later one.
TEST(CurlSenderTest, CancelCutsSendsShort) {
  LoopbackReceiver rx([](const ReceivedRequest&) { return ReceiverAnswer{.status = 200, .delay = 3s}; });
  CurlSender sender({.allowPrivate = true});
  std::thread canceller([&] {
    std::this_thread::sleep_for(300ms);
    sender.cancel();
  });
  const auto t0 = std::chrono::steady_clock::now();
  const auto out = sender.send(post(rx.url(), 5000ms));
  canceller.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_TRUE(out.cancelled);
  EXPECT_TRUE(sender.send(post(rx.url())).cancelled);
}

}  // namespace
}  // namespace authd::testing
