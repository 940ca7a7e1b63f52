#include "hnn/nn/he_approx.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hnn/rns/error.h"

namespace hnn::nn {
namespace {

using nlohmann::json;

constexpr std::string_view kFormat = "hnn-he-approx/1";

struct OpReader {
  const std::string& source;
  const std::string& name;
  const json& op;

  const json& field(const char* key) const {
    const auto it = op.find(key);
    HNN_REQUIRE(it != op.end(), source, ": op '", name, "' has no field '", key, "'");
    return *it;
  }
  double number(const char* key) const {
    const json& v = field(key);
    HNN_REQUIRE(v.is_number(), source, ": op '", name, "' field '", key, "' is not a number");
    const double d = v.get<double>();
    HNN_REQUIRE(std::isfinite(d), source, ": op '", name, "' field '", key, "' is not finite");
    return d;
  }
  int count(const char* key, int max) const {
    const json& v = field(key);
    HNN_REQUIRE(v.is_number_integer() && v.get<int>() >= 0 && v.get<int>() <= max, source, ": op '",
                name, "' field '", key, "' must be an integer in [0, ", max, "]");
    return v.get<int>();
  }
  ChebyshevSeries series(const json& s, const char* what) const {
    HNN_REQUIRE(s.is_object(), source, ": op '", name, "' ", what, " is not an object");
    const OpReader r{source, name, s};
    ChebyshevSeries out;
    out.a = r.number("a");
    out.b = r.number("b");
    HNN_REQUIRE(out.a < out.b, source, ": op '", name, "' ", what, " has an empty interval [",
                out.a, ", ", out.b, "]");
    const json& c = r.field("coeffs");
    HNN_REQUIRE(c.is_array() && !c.empty() && c.size() <= 1024, source, ": op '", name, "' ", what,
                " needs 1 to 1024 coefficients");
    for (const auto& v : c) {
      HNN_REQUIRE(v.is_number() && std::isfinite(v.get<double>()), source, ": op '", name, "' ",
                  what, " has a coefficient that is not a finite number");
      out.coeffs.push_back(v.get<double>());
    }
    return out;
  }
};

}  // namespace

double clenshaw(const ChebyshevSeries& series, double x) {
  const double u = (2 * x - series.a - series.b) / (series.b - series.a);
  const double two_u = 2 * u;
  double b1 = 0, b2 = 0;
  for (int k = series.degree(); k >= 1; --k) {
    const double t = two_u * b1 - b2 + series.coeffs[static_cast<std::size_t>(k)];
    b2 = b1;
    b1 = t;
  }
  return u * b1 - b2 + (series.coeffs.empty() ? 0.0 : series.coeffs[0]);
}

int chebyshev_depth(int degree) {
  if (degree <= 1) return 1;
  int levels = 0;
  while ((1 << levels) < degree + 1) ++levels;
  return 1 + levels;
}

long double reference_function(std::string_view function, long double x, long double temperature) {
  if (function == "gelu") return 0.5L * x * (1 + std::erf(x / std::sqrt(2.0L)));
  if (function == "relu") return x > 0 ? x : 0;
  if (function == "sigmoid") return 1 / (1 + std::exp(-x / temperature));
  if (function == "inv_sqrt") return 1 / std::sqrt(x);
  if (function == "reciprocal") return 1 / x;
  HNN_THROW(InvalidArgument, "unknown reference function '", function,
            "' (gelu, relu, sigmoid, inv_sqrt, reciprocal)");
}

double InvSqrtApprox::operator()(double v) const {
  double y = clenshaw(init, v);
  for (int i = 0; i < newton; ++i) y = 1.5 * y - (0.5 * v * y) * (y * y);
  return y;
}

double SoftmaxApprox::exp(double x) const {
  double t = 1 + x * (1.0 / std::ldexp(1.0, squarings));
  for (int i = 0; i < squarings; ++i) t = t * t;
  return t;
}

double SoftmaxApprox::reciprocal(double sum) const {
  double y = clenshaw(init, sum);
  for (int i = 0; i < newton; ++i) y = y * (2 - sum * y);
  return y;
}

void SoftmaxApprox::apply(std::span<double> s) const {
  HNN_REQUIRE(!s.empty(), "softmax of an empty row");
  const double n = static_cast<double>(s.size());
  double mean = 0;
  for (double v : s) mean += v;
  mean /= n;
  double sum = 0;
  for (double& v : s) {
    v = exp(v - mean);
    sum += v;
  }
  const double y = reciprocal(sum / n);
  for (double& v : s) v = v * (y / n);
}

HeApproxSet HeApproxSet::from_json_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  HNN_REQUIRE(in.good(), "cannot open ", path.string(),
              ": an HE-friendly model folder needs he_approx.json (written by "
              "models/distilbert/tools/train_sst2.py fit/temperature)");
  std::ostringstream text;
  text << in.rdbuf();
  return from_json_string(text.str(), path.string());
}

HeApproxSet HeApproxSet::from_json_string(std::string_view text, std::string_view source_view) {
  HeApproxSet set;
  set.source_ = std::string(source_view);
  const std::string& source = set.source_;
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    HNN_THROW(InvalidArgument, source, ": not valid JSON (", e.what(), ")");
  }
  HNN_REQUIRE(doc.is_object(), source, ": the top level is not a JSON object");
  const auto format = doc.find("format");
  HNN_REQUIRE(format != doc.end() && format->is_string() && format->get<std::string>() == kFormat,
              source, ": format must be \"", kFormat, "\"");
  const auto ops = doc.find("ops");
  HNN_REQUIRE(ops != doc.end() && ops->is_object(), source, ": no \"ops\" object");
  for (const auto& item : ops->items()) {
    // Named references, not a structured binding: the lambdas below capture them (clang < 16
    // cannot capture a structured binding).
    const std::string& name = item.key();
    const json& op = item.value();
    HNN_REQUIRE(op.is_object(), source, ": op '", name, "' is not an object");
    const OpReader r{source, name, op};
    const json& kind_field = r.field("kind");
    HNN_REQUIRE(kind_field.is_string(), source, ": op '", name, "' kind is not a string");
    const std::string kind = kind_field.get<std::string>();
    // The fields an iteration-based op (Chebyshev start, then Newton steps) shares.
    auto read_iteration = [&](auto& a, const char* what) {
      a.init = r.series(r.field("init"), "init");
      HNN_REQUIRE(a.init.a > 0, source, ": op '", name, "' needs a positive ", what);
      a.newton = r.count("newton", 32);
      a.max_rel_error = r.number("max_rel_error");
      a.depth = r.count("depth", 256);
    };
    if (kind == "chebyshev") {
      ChebyshevApprox a;
      a.name = name;
      a.function = r.field("function").get<std::string>();
      (void)reference_function(a.function, 0.5L);  // rejects unknown functions
      a.temperature = op.contains("temperature") ? r.number("temperature") : 1.0;
      HNN_REQUIRE(a.temperature > 0, source, ": op '", name, "' temperature must be > 0");
      a.series = r.series(op, "series");
      a.max_abs_error = r.number("max_abs_error");
      a.depth = r.count("depth", 64);
      HNN_REQUIRE(a.depth == chebyshev_depth(a.series.degree()), source, ": op '", name,
                  "' declares depth ", a.depth, " but a degree-", a.series.degree(),
                  " series costs ", chebyshev_depth(a.series.degree()));
      set.chebyshev_.emplace(name, std::move(a));
    } else if (kind == "inv_sqrt") {
      InvSqrtApprox a;
      a.name = name;
      read_iteration(a, "interval");
      set.inv_sqrt_.emplace(name, std::move(a));
    } else if (kind == "softmax") {
      SoftmaxApprox a;
      a.name = name;
      const json& center = r.field("center");
      HNN_REQUIRE(center.is_string() && center.get<std::string>() == "mean", source, ": op '", name,
                  "' center must be \"mean\"");
      a.squarings = r.count("squarings", 30);
      read_iteration(a, "sum interval");
      set.softmax_.emplace(name, std::move(a));
    } else {
      HNN_THROW(InvalidArgument, source, ": op '", name, "' has unknown kind '", kind,
                "' (chebyshev, inv_sqrt, softmax)");
    }
  }
  return set;
}

namespace {
template <class Map>
const typename Map::mapped_type& find_op(const Map& map, std::string_view name,
                                         const std::string& source, const char* kind) {
  const auto it = map.find(name);
  HNN_REQUIRE(it != map.end(), source, ": no ", kind, " op named '", name,
              "' (the file does not match this model: refit it with train_sst2.py fit)");
  return it->second;
}
}  // namespace

const ChebyshevApprox& HeApproxSet::chebyshev(std::string_view name) const {
  return find_op(chebyshev_, name, source_, "chebyshev");
}
const InvSqrtApprox& HeApproxSet::inv_sqrt(std::string_view name) const {
  return find_op(inv_sqrt_, name, source_, "inv_sqrt");
}
const SoftmaxApprox& HeApproxSet::softmax(std::string_view name) const {
  return find_op(softmax_, name, source_, "softmax");
}
bool HeApproxSet::contains(std::string_view name) const {
  return chebyshev_.find(name) != chebyshev_.end() || inv_sqrt_.find(name) != inv_sqrt_.end() ||
         softmax_.find(name) != softmax_.end();
}

}  // namespace hnn::nn
