// Errors: a few named exception types, thrown through one macro that records where.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace hnn {

// The caller passed something wrong; the message says how to fix the call.
class InvalidArgument : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// An internal invariant broke: a bug in hnn, not in the caller.
class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Malformed, truncated or forged serialized data.
class DeserializationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
template <class E, class... Parts>
[[noreturn]] void throw_at(const char* file, int line, const Parts&... parts) {
  std::ostringstream os;
  (os << ... << parts);
  os << " [" << file << ":" << line << "]";
  throw E(os.str());
}
}  // namespace detail
}  // namespace hnn

// HNN_REQUIRE(cond, message parts...): caller error (InvalidArgument) when cond is false.
#define HNN_REQUIRE(cond, ...)                                                     \
  do {                                                                             \
    if (!(cond)) ::hnn::detail::throw_at<::hnn::InvalidArgument>(__FILE__, __LINE__, __VA_ARGS__); \
  } while (0)

// HNN_ASSERT(cond, message parts...): internal invariant (InternalError).
#define HNN_ASSERT(cond, ...)                                                      \
  do {                                                                             \
    if (!(cond)) ::hnn::detail::throw_at<::hnn::InternalError>(__FILE__, __LINE__, __VA_ARGS__); \
  } while (0)

// HNN_THROW(Type, message parts...)
#define HNN_THROW(Type, ...) ::hnn::detail::throw_at<Type>(__FILE__, __LINE__, __VA_ARGS__)
