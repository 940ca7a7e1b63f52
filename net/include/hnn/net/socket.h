// Framed messages over TCP (POSIX sockets), for shipping keys and ciphertexts between parties.
//
// Frame (little-endian): "HNNM" magic, u16 version (kFrameVersion), u16 message type, u64 payload
// length, then the payload. The receiver checks magic, version and length (against a caller-given
// limit, before allocating) and reports a peer that closes mid-frame as a truncated message.
// Payloads stream straight between the socket and the caller's memory in bounded chunks, so
// multi-GB keys cost no extra copy. SIGPIPE is never raised: a closed peer is a NetworkError.
//
// After any NetworkError from send or receive the stream position is unknown: close the connection.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace hnn::net {

// A connection, resolution, timeout or framing problem; the message names the peer (host:port).
class NetworkError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr char kFrameMagic[4] = {'H', 'N', 'N', 'M'};
inline constexpr uint16_t kFrameVersion = 1;
inline constexpr std::size_t kFrameHeaderBytes = 16;

struct Message {
  uint16_t type = 0;
  std::vector<uint8_t> payload;
};

// Called after each chunk of a payload with the payload bytes done so far and the payload's size.
using Progress = std::function<void(uint64_t done, uint64_t total)>;

// One TCP connection: a move-only owner of the socket, closed on destruction.
class Connection {
 public:
  Connection() = default;  // not connected
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Tries every address `host` resolves to; `timeout` bounds each connection attempt.
  static Connection connect(const std::string& host, uint16_t port,
                            std::chrono::milliseconds timeout);

  bool is_open() const { return fd_ >= 0; }
  int native_handle() const { return fd_; }
  const std::string& peer() const { return peer_; }  // "host:port", for messages
  void close();
  // Closes after the peer has finished sending (or `limit` has passed), discarding what it sends.
  // For a side that answers an error while the peer may still be sending: closing with unread
  // data makes TCP send a reset, and a reset discards the answer before the peer reads it.
  void close_after_reading(std::chrono::milliseconds limit);

  // Bounds every blocking send and receive call (zero: wait forever, the default). A call that
  // waits longer raises NetworkError; it bounds silence, not the duration of a large transfer.
  void set_timeout(std::chrono::milliseconds timeout);

  void send(uint16_t type, std::span<const uint8_t> payload, const Progress& progress = {});
  // The next message; a payload over `max_payload` bytes is rejected before anything is allocated.
  Message receive(std::size_t max_payload, const Progress& progress = {});
  // receive, then a NetworkError naming both types unless the message has `expected_type`.
  Message receive_expecting(uint16_t expected_type, std::size_t max_payload,
                            const Progress& progress = {});

 private:
  friend class Listener;
  Connection(int fd, std::string peer) : fd_(fd), peer_(std::move(peer)) {}
  int require_open(const char* operation) const;
  // Reads until `out` is full or the peer closes; returns the bytes read.
  std::size_t read_until_full_or_eof(std::span<uint8_t> out, const char* what, uint64_t total,
                                     const Progress& progress);

  int fd_ = -1;
  std::string peer_;
  std::chrono::milliseconds timeout_{0};
};

// A listening TCP socket (SO_REUSEADDR, so a restarted server can rebind at once).
class Listener {
 public:
  // An empty host or "0.0.0.0" listens on every IPv4 interface; port 0 picks a free port.
  Listener(const std::string& host, uint16_t port);
  Listener(Listener&& other) noexcept;
  Listener& operator=(Listener&& other) noexcept;
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  ~Listener();

  uint16_t port() const { return port_; }
  Connection accept();
  // As accept, but a NetworkError after `timeout` without a connection.
  Connection accept(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
  std::string address_;  // "host:port", for messages
};

}  // namespace hnn::net
