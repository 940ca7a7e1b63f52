#include "hnn/distilbert/he_model.h"

#include <algorithm>
#include <cmath>

#include "hnn/rns/error.h"

namespace hnn::distilbert {
namespace {

void add_noise(nn::PrecisionNoise* noise, std::span<double> values) {
  if (noise != nullptr) noise->add(values);
}
void add_noise(nn::PrecisionNoise* noise, Matrix<double>& m) {
  if (noise == nullptr || !noise->enabled()) return;
  // one range per tensor, as one CKKS encoding scale covers the packed tensor
  std::vector<double> flat(m.data());
  noise->add(flat);
  for (std::size_t r = 0; r < m.rows(); ++r) {
    std::copy(flat.begin() + static_cast<std::ptrdiff_t>(r * m.cols()),
              flat.begin() + static_cast<std::ptrdiff_t>((r + 1) * m.cols()), m.row(r).begin());
  }
}

std::vector<std::string> required_ops(std::int64_t n_layers) {
  std::vector<std::string> names = {"embeddings.ln", "head.relu", "soft_argmax"};
  for (std::int64_t i = 0; i < n_layers; ++i) {
    const std::string p = "layer" + std::to_string(i) + ".";
    for (const char* op : {"softmax", "sa_ln", "gelu", "out_ln"}) names.push_back(p + op);
  }
  return names;
}

}  // namespace

void RangeReport::record(const std::string& op, double x, bool inside) {
  Entry& e = ops[op];
  if (e.total == 0) e.lowest = e.highest = x;
  e.lowest = std::min(e.lowest, x);
  e.highest = std::max(e.highest, x);
  ++e.total;
  e.outside += inside ? 0 : 1;
}

std::uint64_t RangeReport::outside_total() const {
  std::uint64_t n = 0;
  for (const auto& [name, e] : ops) n += e.outside;
  return n;
}

HeFriendlyClassifier::HeFriendlyClassifier(DistilBertClassifier<double> model,
                                           nn::HeApproxSet approx)
    : model_(std::move(model)), approx_(std::move(approx)) {
  HNN_REQUIRE(model_.config().num_labels() == 2, "the HE-friendly model is binary (Soft-Argmax as ",
              "a sigmoid); the config has ", model_.config().num_labels(), " labels");
  HNN_REQUIRE(model_.config().activation == Activation::Gelu,
              "the HE-friendly model approximates GELU; the config's activation is not gelu");
  for (const auto& name : required_ops(model_.config().n_layers)) {
    HNN_REQUIRE(approx_.contains(name), approx_.source(), " has no op '", name, "' needed by a ",
                model_.config().n_layers, "-layer model");
  }
  // kinds are checked here once rather than on every sentence
  (void)approx_.inv_sqrt("embeddings.ln");
  (void)approx_.chebyshev("head.relu");
  (void)approx_.chebyshev("soft_argmax");
  HNN_REQUIRE(approx_.chebyshev("soft_argmax").function == "sigmoid", approx_.source(),
              ": op 'soft_argmax' must approximate a sigmoid");
  for (std::int64_t i = 0; i < model_.config().n_layers; ++i) {
    const std::string p = "layer" + std::to_string(i) + ".";
    (void)approx_.softmax(p + "softmax");
    (void)approx_.inv_sqrt(p + "sa_ln");
    (void)approx_.chebyshev(p + "gelu");
    (void)approx_.inv_sqrt(p + "out_ln");
  }
}

HeFriendlyClassifier HeFriendlyClassifier::load(const std::filesystem::path& model_dir) {
  const auto approx_path = model_dir / "he_approx.json";
  HNN_REQUIRE(std::filesystem::exists(approx_path), model_dir.string(),
              " has no he_approx.json: the HE-friendly variant needs the approximations the model "
              "was fine-tuned with (run models/distilbert/tools/train_sst2.py, or use --variant "
              "plain)");
  auto approx = nn::HeApproxSet::from_json_file(approx_path);
  return HeFriendlyClassifier(DistilBertClassifier<double>::load(model_dir), std::move(approx));
}

void HeFriendlyClassifier::layer_norm(Matrix<double>& x, const LayerNormWeights<double>& w,
                                      const nn::InvSqrtApprox& op, nn::PrecisionNoise* noise,
                                      RangeReport* ranges) const {
  const std::size_t dim = x.cols();
  for (std::size_t r = 0; r < x.rows(); ++r) {
    auto row = x.row(r);
    const RowMoments m = row_moments<double>(row);
    double var = m.var;
    if (noise != nullptr && noise->enabled()) {
      std::span<double> v(&var, 1);
      noise->add(v);
    }
    if (ranges != nullptr) ranges->record(op.name, var, op.in_range(var));
    double inv = op(var);
    if (noise != nullptr && noise->enabled()) noise->add(std::span<double>(&inv, 1));
    for (std::size_t i = 0; i < dim; ++i) row[i] = (row[i] - m.mean) * inv * w.gamma[i] + w.beta[i];
  }
  add_noise(noise, x);
}

Matrix<double> HeFriendlyClassifier::embeddings(std::span<const std::int32_t> ids,
                                                std::span<const std::int32_t> mask) const {
  HNN_REQUIRE(mask.size() == ids.size(), "attention_mask has ", mask.size(), " entries for ",
              ids.size(), " ids");
  std::size_t n = 0;
  while (n < mask.size() && mask[n] == 1) ++n;
  for (std::size_t i = n; i < mask.size(); ++i) {
    HNN_REQUIRE(mask[i] == 0, "attention_mask must be 1...1 0...0 (padding on the right); entry ",
                i, " is ", mask[i]);
  }
  HNN_REQUIRE(n >= 1, "attention_mask masks every token");
  const auto& c = model_.config();
  const auto& w = model_.weights();
  HNN_REQUIRE(n <= static_cast<std::size_t>(c.max_position_embeddings), "sequence of ", n,
              " tokens is longer than max_position_embeddings ", c.max_position_embeddings);
  const std::size_t dim = static_cast<std::size_t>(c.dim);
  Matrix<double> x(n, dim);
  for (std::size_t i = 0; i < n; ++i) {
    HNN_REQUIRE(ids[i] >= 0 && ids[i] < c.vocab_size, "token id ", ids[i], " at position ", i,
                " is outside the vocabulary of ", c.vocab_size);
    const auto word = w.word_embeddings.row(static_cast<std::size_t>(ids[i]));
    const auto pos = w.position_embeddings.row(i);
    for (std::size_t k = 0; k < dim; ++k) x(i, k) = word[k] + pos[k];
  }
  return x;
}

std::vector<double> HeFriendlyClassifier::logits(std::span<const std::int32_t> ids,
                                                 std::span<const std::int32_t> mask,
                                                 nn::PrecisionNoise* noise,
                                                 RangeReport* ranges) const {
  Matrix<double> x = embeddings(ids, mask);
  const std::size_t n = x.rows();
  const auto& c = model_.config();
  const auto& w = model_.weights();
  const std::size_t dim = static_cast<std::size_t>(c.dim);
  layer_norm(x, w.embedding_layer_norm, approx_.inv_sqrt("embeddings.ln"), noise, ranges);

  const auto heads = static_cast<std::size_t>(c.n_heads);
  const auto hd = static_cast<std::size_t>(c.head_dim());
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
  for (std::size_t layer = 0; layer < w.blocks.size(); ++layer) {
    const auto& b = w.blocks[layer];
    const std::string p = "layer" + std::to_string(layer) + ".";
    const auto& softmax = approx_.softmax(p + "softmax");
    Matrix<double> q = linear<double>(x, b.q.weight, b.q.bias);
    Matrix<double> k = linear<double>(x, b.k.weight, b.k.bias);
    Matrix<double> v = linear<double>(x, b.v.weight, b.v.bias);
    add_noise(noise, q);
    add_noise(noise, k);
    add_noise(noise, v);
    Matrix<double> context(n, dim);
    for (std::size_t h = 0; h < heads; ++h) {
      Matrix<double> scores(n, n);
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < n; ++j) {
          double s = 0;
          for (std::size_t t = 0; t < hd; ++t) s += (q(i, h * hd + t) * scale) * k(j, h * hd + t);
          scores(i, j) = s;
        }
      }
      add_noise(noise, scores);
      // softmax over the real keys: centre each row on its mean, exponential by squarings,
      // S = mean of the row, reciprocal by series + Newton, p_j = e_j (y / n)
      const double count = static_cast<double>(n);
      std::vector<double> means(n, 0.0);
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < n; ++j) means[i] += scores(i, j);
        means[i] /= count;
      }
      Matrix<double> e(n, n);
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < n; ++j) e(i, j) = softmax.exp(scores(i, j) - means[i]);
      }
      add_noise(noise, e);
      std::vector<double> sums(n, 0.0), inv(n);
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < n; ++j) sums[i] += e(i, j);
        sums[i] /= count;
      }
      add_noise(noise, sums);
      for (std::size_t i = 0; i < n; ++i) {
        if (ranges != nullptr) ranges->record(softmax.name, sums[i], softmax.sum_in_range(sums[i]));
        inv[i] = softmax.reciprocal(sums[i]);
      }
      add_noise(noise, inv);
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < n; ++j) e(i, j) = e(i, j) * (inv[i] / count);
      }
      add_noise(noise, e);
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t t = 0; t < hd; ++t) {
          double acc = 0;
          for (std::size_t j = 0; j < n; ++j) acc += e(i, j) * v(j, h * hd + t);
          context(i, h * hd + t) = acc;
        }
      }
    }
    add_noise(noise, context);
    Matrix<double> sa = linear<double>(context, b.out.weight, b.out.bias);
    add_noise(noise, sa);
    add_in_place(sa, x);
    layer_norm(sa, b.sa_layer_norm, approx_.inv_sqrt(p + "sa_ln"), noise, ranges);
    Matrix<double> hidden = linear<double>(sa, b.ffn_lin1.weight, b.ffn_lin1.bias);
    add_noise(noise, hidden);
    const auto& gelu = approx_.chebyshev(p + "gelu");
    for (std::size_t i = 0; i < n; ++i) {
      for (double& hv : hidden.row(i)) {
        if (ranges != nullptr) ranges->record(gelu.name, hv, gelu.in_range(hv));
        hv = gelu(hv);
      }
    }
    add_noise(noise, hidden);
    Matrix<double> out = linear<double>(hidden, b.ffn_lin2.weight, b.ffn_lin2.bias);
    add_noise(noise, out);
    add_in_place(out, sa);
    layer_norm(out, b.output_layer_norm, approx_.inv_sqrt(p + "out_ln"), noise, ranges);
    x = std::move(out);
  }
  const Matrix<double> cls(1, dim, std::vector<double>(x.row(0).begin(), x.row(0).end()));
  Matrix<double> pooled = linear<double>(cls, w.pre_classifier.weight, w.pre_classifier.bias);
  add_noise(noise, pooled);
  const auto& relu = approx_.chebyshev("head.relu");
  for (double& pv : pooled.row(0)) {
    if (ranges != nullptr) ranges->record(relu.name, pv, relu.in_range(pv));
    pv = relu(pv);
  }
  add_noise(noise, pooled);
  Matrix<double> out = linear<double>(pooled, w.classifier.weight, w.classifier.bias);
  add_noise(noise, out);
  return out.data();
}

double HeFriendlyClassifier::positive_score(std::span<const double> logits,
                                            nn::PrecisionNoise* noise, RangeReport* ranges) const {
  HNN_REQUIRE(logits.size() == 2, "positive_score needs 2 logits, got ", logits.size());
  const auto& op = approx_.chebyshev("soft_argmax");
  const double diff = logits[1] - logits[0];
  if (ranges != nullptr) ranges->record(op.name, diff, op.in_range(diff));
  double p = op(diff);
  if (noise != nullptr && noise->enabled()) noise->add(std::span<double>(&p, 1));
  return p;
}

}  // namespace hnn::distilbert
