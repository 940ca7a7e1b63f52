// Framed messages over loopback TCP: round trips (empty to 50 MB), and every malformed or
// interrupted frame rejected with a NetworkError that says what went wrong. Every socket has a
// timeout, so a bug shows as a failure within seconds, never as a hang.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>
#include <future>
#include <string>
#include <vector>

#include "hnn/net/socket.h"

using namespace hnn::net;
using namespace std::chrono_literals;

namespace {

constexpr auto kTimeout = 5000ms;

// A server on 127.0.0.1 (ephemeral port) that accepts one connection and runs `serve` on it in
// its own thread; get() rethrows what the server threw.
class Loopback {
 public:
  template <class Serve>
  explicit Loopback(Serve serve) : listener_("127.0.0.1", 0) {
    server_ = std::async(std::launch::async, [this, serve] {
      Connection c = listener_.accept(kTimeout);
      c.set_timeout(kTimeout);
      serve(c);
    });
  }
  Connection connect() {
    Connection c = Connection::connect("127.0.0.1", listener_.port(), kTimeout);
    c.set_timeout(kTimeout);
    return c;
  }
  void get() { server_.get(); }

 private:
  Listener listener_;
  std::future<void> server_;
};

// Bytes as they go on the wire, bypassing Connection::send, to forge frames.
void send_raw(Connection& c, const std::vector<uint8_t>& bytes) {
  ASSERT_EQ(::send(c.native_handle(), bytes.data(), bytes.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(bytes.size()));
}

std::vector<uint8_t> header(const char magic[4], uint16_t version, uint16_t type, uint64_t length) {
  std::vector<uint8_t> h(magic, magic + 4);
  for (int i = 0; i < 2; ++i) h.push_back(static_cast<uint8_t>(version >> (8 * i)));
  for (int i = 0; i < 2; ++i) h.push_back(static_cast<uint8_t>(type >> (8 * i)));
  for (int i = 0; i < 8; ++i) h.push_back(static_cast<uint8_t>(length >> (8 * i)));
  return h;
}

// `f` must throw a NetworkError whose message contains every one of `parts`.
template <class F>
void expect_network_error(F f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no NetworkError; expected one mentioning '" << parts.front() << "'";
  } catch (const NetworkError& e) {
    for (const auto& part : parts)
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
          << "'" << e.what() << "' does not mention '" << part << "'";
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

std::vector<uint8_t> pattern(std::size_t n) {
  std::vector<uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 131 + (i >> 13));
  return v;
}

}  // namespace

TEST(Net, RoundTripsSeveralMessages) {
  // The server echoes each message with its type + 100, until a message of type 0.
  Loopback loop([](Connection& c) {
    for (;;) {
      Message m = c.receive(64 << 20);
      if (m.type == 0) return;
      c.send(static_cast<uint16_t>(m.type + 100), m.payload);
    }
  });
  Connection client = loop.connect();
  const std::vector<std::vector<uint8_t>> payloads = {
      pattern(5), {}, pattern(50 << 20), pattern(1)};
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    const auto type = static_cast<uint16_t>(i + 1);
    uint64_t sent_done = 0, received_done = 0;
    client.send(type, payloads[i], [&](uint64_t done, uint64_t total) {
      EXPECT_GT(done, sent_done);  // progress only moves forward
      EXPECT_EQ(total, payloads[i].size());
      sent_done = done;
    });
    const Message echo =
        client.receive_expecting(static_cast<uint16_t>(type + 100), 64 << 20,
                                 [&](uint64_t done, uint64_t) { received_done = done; });
    EXPECT_EQ(echo.payload, payloads[i]) << "message " << i;
    EXPECT_EQ(sent_done, payloads[i].size());
    EXPECT_EQ(received_done, payloads[i].size());
  }
  client.send(0, {});
  loop.get();
}

TEST(Net, UnexpectedTypeNamesBothTypes) {
  Loopback loop([](Connection& c) { c.send(7, pattern(3)); });
  Connection client = loop.connect();
  expect_network_error([&] { client.receive_expecting(8, 100); }, {"type 7", "type 8"});
  loop.get();
}

TEST(Net, RejectsWrongMagicAndVersion) {
  Loopback loop([](Connection& c) { send_raw(c, header("XNNM", 1, 1, 0)); });
  Connection client = loop.connect();
  expect_network_error([&] { client.receive(100); }, {"bad frame magic", "58 4e 4e 4d", "HNNM"});
  loop.get();

  Loopback loop2([](Connection& c) { send_raw(c, header("HNNM", 2, 1, 0)); });
  Connection client2 = loop2.connect();
  expect_network_error([&] { client2.receive(100); }, {"unsupported frame version 2", "version 1"});
  loop2.get();
}

TEST(Net, RejectsOversizeLengthBeforeAllocating) {
  // A length near 2^64: allocating it would throw bad_alloc (a wrong exception type here).
  Loopback loop([](Connection& c) { send_raw(c, header("HNNM", 1, 4, ~uint64_t{0} - 15)); });
  Connection client = loop.connect();
  expect_network_error([&] { client.receive(1 << 20); },
                       {"announces 18446744073709551600 payload bytes", "limit of 1048576"});
  loop.get();

  Loopback loop2([](Connection& c) { c.send(4, pattern(1001)); });
  Connection client2 = loop2.connect();
  expect_network_error([&] { client2.receive(1000); }, {"1001 payload bytes", "limit of 1000"});
  loop2.get();
}

TEST(Net, PeerClosingMidFrameIsATruncatedMessage) {
  Loopback in_payload([](Connection& c) {
    auto bytes = header("HNNM", 1, 9, 1000);
    const auto part = pattern(10);
    bytes.insert(bytes.end(), part.begin(), part.end());
    send_raw(c, bytes);
    c.close();
  });
  Connection client = in_payload.connect();
  expect_network_error([&] { client.receive(1 << 20); },
                       {"truncated message: got 10 of 1000 bytes", "type 9"});
  in_payload.get();

  Loopback in_header([](Connection& c) {
    send_raw(c, {'H', 'N', 'N', 'M', 1});
    c.close();
  });
  Connection client2 = in_header.connect();
  expect_network_error([&] { client2.receive(1 << 20); }, {"truncated message: got 5 of 16 bytes"});
  in_header.get();

  Loopback between([](Connection& c) { c.close(); });
  Connection client3 = between.connect();
  expect_network_error([&] { client3.receive(1 << 20); },
                       {"connection closed by", "no frame header"});
  between.get();
}

TEST(Net, ReceiveTimesOut) {
  std::promise<void> done;
  Loopback loop([&](Connection&) { done.get_future().wait_for(kTimeout); });
  Connection client = loop.connect();
  client.set_timeout(100ms);
  const auto start = std::chrono::steady_clock::now();
  expect_network_error([&] { client.receive(100); }, {"timed out after 100 ms", "frame header"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  done.set_value();
  loop.get();
}

TEST(Net, SendToClosedPeerIsAnErrorNotSigpipe) {
  Loopback loop([](Connection& c) { c.close(); });
  Connection client = loop.connect();
  loop.get();
  // The first sends may land in the kernel's buffer; once the peer's reset arrives, send must
  // raise NetworkError (a SIGPIPE would end the test process instead).
  const auto chunk = pattern(1 << 20);
  expect_network_error(
      [&] {
        for (int i = 0; i < 200; ++i) client.send(1, chunk);
      },
      {"127.0.0.1:"});
}

TEST(Net, ConnectToClosedPortFails) {
  uint16_t port;
  {
    Listener closed("127.0.0.1", 0);
    port = closed.port();
  }
  expect_network_error([&] { Connection::connect("127.0.0.1", port, kTimeout); },
                       {"cannot connect to 127.0.0.1:" + std::to_string(port), "refused"});
}

TEST(Net, UnresolvableHostFails) {
  expect_network_error([] { Connection::connect("no-such-host.invalid", 4242, kTimeout); },
                       {"cannot resolve host 'no-such-host.invalid'", "no-such-host.invalid:4242"});
}

TEST(Net, ListenerPortAndClosedConnections) {
  Listener listener("127.0.0.1", 0);
  EXPECT_NE(listener.port(), 0);
  expect_network_error([&] { listener.accept(50ms); },
                       {"no connection to 127.0.0.1:", "within 50 ms"});
  Connection empty;
  EXPECT_FALSE(empty.is_open());
  expect_network_error([&] { empty.send(1, {}); }, {"closed connection"});
  Connection client = Connection::connect("127.0.0.1", listener.port(), kTimeout);
  Connection server = listener.accept(kTimeout);
  Connection moved = std::move(client);
  EXPECT_FALSE(client.is_open());  // NOLINT(bugprone-use-after-move): moved-from state is specified
  EXPECT_TRUE(moved.is_open());
  moved.send(3, pattern(4));
  server.set_timeout(kTimeout);
  EXPECT_EQ(server.receive(4).payload, pattern(4));
}
