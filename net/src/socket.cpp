#include "hnn/net/socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

namespace hnn::net {

namespace {

// Linux reports a closed peer through MSG_NOSIGNAL on each send, BSD/macOS through SO_NOSIGPIPE
// on the socket; either way no process-wide SIGPIPE handler is needed.
#ifdef MSG_NOSIGNAL
constexpr int kSendFlags = MSG_NOSIGNAL;
#else
constexpr int kSendFlags = 0;
#endif

// Bytes per send/recv call: bounds each system call and sets the progress callback's granularity.
constexpr std::size_t kChunk = std::size_t{8} << 20;

using Clock = std::chrono::steady_clock;

std::string errno_text(int err) {
  return std::strerror(err);
}

std::string endpoint(const std::string& host, uint16_t port) {
  // IPv6 literals in brackets so that the port stays readable.
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::string endpoint(const sockaddr* addr) {
  char text[INET6_ADDRSTRLEN] = "?";
  uint16_t port = 0;
  if (addr->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    port = ntohs(in->sin_port);
  } else if (addr->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    port = ntohs(in6->sin6_port);
  }
  return endpoint(text, port);
}

struct AddrInfoDeleter {
  void operator()(addrinfo* ai) const { freeaddrinfo(ai); }
};
using AddrInfoPtr = std::unique_ptr<addrinfo, AddrInfoDeleter>;

AddrInfoPtr resolve(const std::string& host, uint16_t port, bool passive) {
  addrinfo hints{};
  hints.ai_family = passive && host.empty() ? AF_INET : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
  addrinfo* result = nullptr;
  const std::string service = std::to_string(port);
  const int rc =
      getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &result);
  if (rc != 0)
    throw NetworkError("cannot resolve host '" + host + "' (for " + endpoint(host, port) +
                       "): " + gai_strerror(rc) + "; expected a host name or an IP address");
  return AddrInfoPtr(result);
}

void set_flag(int fd, int flag, bool on) {
  const int flags = fcntl(fd, F_GETFL, 0);
  if (flags >= 0) fcntl(fd, F_SETFL, on ? (flags | flag) : (flags & ~flag));
}

// Options every stream socket of ours gets: not inherited by exec'd children, no SIGPIPE, and no
// Nagle delay (frames are request/response; a small frame must not wait for an ACK).
void configure_stream(int fd) {
  fcntl(fd, F_SETFD, FD_CLOEXEC);
#ifdef SO_NOSIGPIPE
  const int one_nosigpipe = 1;
  setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one_nosigpipe, sizeof one_nosigpipe);
#endif
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Milliseconds left before `deadline` for poll: -1 (forever) without one, never below 0.
int poll_timeout(std::optional<Clock::time_point> deadline) {
  if (!deadline) return -1;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, 1 << 30));
}

// Waits for `events` on fd; false on timeout. EINTR resumes with the time that is left.
bool wait_for(int fd, short events, std::optional<Clock::time_point> deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int rc = ::poll(&p, 1, poll_timeout(deadline));
    if (rc > 0) return true;
    if (rc == 0) return false;
    if (errno != EINTR) throw NetworkError("poll failed: " + errno_text(errno));
  }
}

// One non-blocking connect bounded by `timeout`; returns the connected (blocking) socket, or -1
// with `error` set.
int connect_one(const addrinfo& ai, std::chrono::milliseconds timeout, std::string& error) {
  const int fd = ::socket(ai.ai_family, ai.ai_socktype, ai.ai_protocol);
  if (fd < 0) {
    error = "socket: " + errno_text(errno);
    return -1;
  }
  set_flag(fd, O_NONBLOCK, true);
  int rc = ::connect(fd, ai.ai_addr, ai.ai_addrlen);
  if (rc != 0 && (errno == EINPROGRESS || errno == EINTR)) {
    // An interrupted connect goes on in the background, exactly like EINPROGRESS.
    if (!wait_for(fd, POLLOUT, Clock::now() + timeout)) {
      error = "timed out after " + std::to_string(timeout.count()) + " ms";
      ::close(fd);
      return -1;
    }
    int so_error = 0;
    socklen_t len = sizeof so_error;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
    errno = so_error;
    rc = so_error == 0 ? 0 : -1;
  }
  if (rc != 0) {
    error = errno_text(errno);
    ::close(fd);
    return -1;
  }
  set_flag(fd, O_NONBLOCK, false);
  configure_stream(fd);
  return fd;
}

void put_le(uint8_t* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
}

uint64_t get_le(const uint8_t* in, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(in[i]) << (8 * i);
  return v;
}

std::string hex_bytes(const uint8_t* p, std::size_t n) {
  std::ostringstream os;
  os << std::hex;
  for (std::size_t i = 0; i < n; ++i) os << (i ? " " : "") << static_cast<int>(p[i]);
  return os.str();
}

}  // namespace

// ---- Connection ------------------------------------------------------------------------------

Connection::Connection(Connection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), peer_(std::move(other.peer_)), timeout_(other.timeout_) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    peer_ = std::move(other.peer_);
    timeout_ = other.timeout_;
  }
  return *this;
}

Connection::~Connection() {
  close();
}

void Connection::close() {
  // Not retried on EINTR: on Linux the descriptor is released even then, and retrying could
  // close a descriptor another thread has just been given.
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void Connection::close_after_reading(std::chrono::milliseconds limit) {
  if (fd_ < 0) return;
  // Our side is finished: the peer reads what we sent, then end of stream.
  ::shutdown(fd_, SHUT_WR);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::vector<uint8_t> sink(1 << 16);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) break;
    if (rc == 0) continue;
    const ssize_t got = ::recv(fd_, sink.data(), sink.size(), 0);
    if (got < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (got <= 0) break;  // end of stream (the peer is done) or an error
  }
  close();
}

Connection Connection::connect(const std::string& host, uint16_t port,
                               std::chrono::milliseconds timeout) {
  const AddrInfoPtr addrs = resolve(host, port, false);
  std::string errors;
  for (const addrinfo* ai = addrs.get(); ai != nullptr; ai = ai->ai_next) {
    std::string error;
    const int fd = connect_one(*ai, timeout, error);
    if (fd >= 0) return Connection(fd, endpoint(host, port));
    errors += (errors.empty() ? "" : "; ") + endpoint(ai->ai_addr) + ": " + error;
  }
  throw NetworkError("cannot connect to " + endpoint(host, port) + " (" + errors +
                     "); expected a server listening there");
}

int Connection::require_open(const char* operation) const {
  if (fd_ < 0)
    throw NetworkError(
        std::string("cannot ") + operation +
        " on a closed connection: use Connection::connect or Listener::accept first");
  return fd_;
}

void Connection::set_timeout(std::chrono::milliseconds timeout) {
  const int fd = require_open("set a timeout");
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0)
    throw NetworkError("cannot set a timeout on the connection to " + peer_ + ": " +
                       errno_text(errno));
  timeout_ = timeout;
}

void Connection::send(uint16_t type, std::span<const uint8_t> payload, const Progress& progress) {
  const int fd = require_open("send");
  uint8_t header[kFrameHeaderBytes];
  std::memcpy(header, kFrameMagic, 4);
  put_le(header + 4, kFrameVersion, 2);
  put_le(header + 6, type, 2);
  put_le(header + 8, payload.size(), 8);
  std::size_t header_done = 0, payload_done = 0;
  // Header and the first chunk leave in one system call (one segment for small messages); the
  // payload is sent from the caller's memory, never copied.
  while (header_done < kFrameHeaderBytes || payload_done < payload.size()) {
    iovec iov[2];
    int count = 0;
    if (header_done < kFrameHeaderBytes)
      iov[count++] = {header + header_done, kFrameHeaderBytes - header_done};
    const std::size_t chunk = std::min(payload.size() - payload_done, kChunk);
    if (chunk > 0) iov[count++] = {const_cast<uint8_t*>(payload.data() + payload_done), chunk};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<decltype(msg.msg_iovlen)>(count);
    const ssize_t sent = ::sendmsg(fd, &msg, kSendFlags);
    if (sent < 0) {
      if (errno == EINTR) continue;
      const std::string where = " while sending a message of type " + std::to_string(type) + " (" +
                                std::to_string(payload_done) + " of " +
                                std::to_string(payload.size()) + " payload bytes sent)";
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        throw NetworkError("timed out after " + std::to_string(timeout_.count()) +
                           " ms waiting for " + peer_ + " to accept data" + where);
      if (errno == EPIPE || errno == ECONNRESET)
        throw NetworkError("connection to " + peer_ + " closed by the peer" + where + ": " +
                           errno_text(errno));
      throw NetworkError("send to " + peer_ + " failed" + where + ": " + errno_text(errno));
    }
    std::size_t n = static_cast<std::size_t>(sent);
    const std::size_t to_header = std::min(n, kFrameHeaderBytes - header_done);
    header_done += to_header;
    n -= to_header;
    payload_done += n;
    if (n > 0 && progress) progress(payload_done, payload.size());
  }
}

std::size_t Connection::read_until_full_or_eof(std::span<uint8_t> out, const char* what,
                                               uint64_t total, const Progress& progress) {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t got = ::recv(fd_, out.data() + done, std::min(out.size() - done, kChunk), 0);
    if (got == 0) return done;
    if (got < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        throw NetworkError("timed out after " + std::to_string(timeout_.count()) +
                           " ms waiting for " + what + " from " + peer_ + " (" +
                           std::to_string(done) + " of " + std::to_string(out.size()) +
                           " bytes received)");
      throw NetworkError(std::string("receive from ") + peer_ + " failed while reading " + what +
                         ": " + errno_text(errno));
    }
    done += static_cast<std::size_t>(got);
    if (progress) progress(done, total);
  }
  return done;
}

Message Connection::receive(std::size_t max_payload, const Progress& progress) {
  require_open("receive");
  uint8_t header[kFrameHeaderBytes];
  const std::size_t got = read_until_full_or_eof(header, "the frame header", kFrameHeaderBytes, {});
  if (got == 0)
    throw NetworkError("connection closed by " + peer_ +
                       " while a message was expected (no frame header arrived)");
  if (got < kFrameHeaderBytes)
    throw NetworkError("truncated message: got " + std::to_string(got) + " of " +
                       std::to_string(kFrameHeaderBytes) + " bytes of the frame header before " +
                       peer_ + " closed the connection");
  if (std::memcmp(header, kFrameMagic, 4) != 0)
    throw NetworkError(
        "bad frame magic from " + peer_ + ": got bytes " + hex_bytes(header, 4) +
        ", expected \"HNNM\" (48 4e 4e 4d); is the peer speaking the hnn::net protocol?");
  const auto version = static_cast<uint16_t>(get_le(header + 4, 2));
  if (version != kFrameVersion)
    throw NetworkError("unsupported frame version " + std::to_string(version) + " from " + peer_ +
                       ": this build speaks version " + std::to_string(kFrameVersion));
  Message message;
  message.type = static_cast<uint16_t>(get_le(header + 6, 2));
  const uint64_t length = get_le(header + 8, 8);
  // Checked before allocating: the length is the peer's claim, and max_payload bounds our memory.
  if (length > max_payload)
    throw NetworkError("message of type " + std::to_string(message.type) + " from " + peer_ +
                       " announces " + std::to_string(length) +
                       " payload bytes, over the limit of " + std::to_string(max_payload) +
                       " (raise max_payload if this peer may send that much)");
  message.payload.resize(static_cast<std::size_t>(length));
  const std::size_t payload_got =
      read_until_full_or_eof(message.payload, "the payload", length, progress);
  if (payload_got < length)
    throw NetworkError("truncated message: got " + std::to_string(payload_got) + " of " +
                       std::to_string(length) + " bytes of the payload (type " +
                       std::to_string(message.type) + ") before " + peer_ +
                       " closed the connection");
  return message;
}

Message Connection::receive_expecting(uint16_t expected_type, std::size_t max_payload,
                                      const Progress& progress) {
  Message message = receive(max_payload, progress);
  if (message.type != expected_type)
    throw NetworkError("unexpected message from " + peer_ + ": type " +
                       std::to_string(message.type) + " where type " +
                       std::to_string(expected_type) + " was expected");
  return message;
}

// ---- Listener --------------------------------------------------------------------------------

Listener::Listener(const std::string& host, uint16_t port) {
  const AddrInfoPtr addrs = resolve(host, port, true);
  const std::string requested = endpoint(host.empty() ? "0.0.0.0" : host, port);
  std::string errors;
  for (const addrinfo* ai = addrs.get(); ai != nullptr; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) {
      errors += (errors.empty() ? "" : "; ") + std::string("socket: ") + errno_text(errno);
      continue;
    }
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
      errors += (errors.empty() ? "" : "; ") + endpoint(ai->ai_addr) + ": " + errno_text(errno);
      ::close(fd);
      continue;
    }
    // Non-blocking so that accept, after poll, never blocks on a connection reset in between.
    set_flag(fd, O_NONBLOCK, true);
    sockaddr_storage bound{};
    socklen_t len = sizeof bound;
    getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
    fd_ = fd;
    port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                              : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    address_ = endpoint(reinterpret_cast<sockaddr*>(&bound));
    return;
  }
  throw NetworkError("cannot listen on " + requested + " (" + errors +
                     "); expected a local address and a free port (0 picks one)");
}

Listener::Listener(Listener&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), port_(other.port_), address_(std::move(other.address_)) {}

Listener& Listener::operator=(Listener&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    port_ = other.port_;
    address_ = std::move(other.address_);
  }
  return *this;
}

Listener::~Listener() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {
// The next connection on a non-blocking listening socket, configured like an outgoing one; with a
// deadline, a NetworkError once it passes.
std::pair<int, std::string> accept_stream(int listen_fd, const std::string& address,
                                          std::optional<Clock::time_point> deadline,
                                          std::chrono::milliseconds timeout) {
  if (listen_fd < 0) throw NetworkError("cannot accept on a moved-from Listener");
  for (;;) {
    if (!wait_for(listen_fd, POLLIN, deadline))
      throw NetworkError("no connection to " + address + " within " +
                         std::to_string(timeout.count()) + " ms; expected a client to connect");
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    const int fd = ::accept(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
    if (fd >= 0) {
      set_flag(fd, O_NONBLOCK, false);  // not inherited on Linux, but it is on BSD
      configure_stream(fd);
      return {fd, endpoint(reinterpret_cast<sockaddr*>(&addr))};
    }
    // The client went away between poll and accept, or a signal came: wait for the next one.
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED)
      continue;
    throw NetworkError("accept on " + address + " failed: " + errno_text(errno));
  }
}
}  // namespace

Connection Listener::accept() {
  auto [fd, peer] = accept_stream(fd_, address_, std::nullopt, std::chrono::milliseconds{0});
  return Connection(fd, std::move(peer));
}

Connection Listener::accept(std::chrono::milliseconds timeout) {
  auto [fd, peer] = accept_stream(fd_, address_, Clock::now() + timeout, timeout);
  return Connection(fd, std::move(peer));
}

}  // namespace hnn::net
