// DistilBERT as in transformers' modeling_distilbert.py (Embeddings, MultiHeadSelfAttention,
// FFN, TransformerBlock, DistilBertForSequenceClassification), inference only.
#include "hnn/distilbert/model.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "hnn/rns/error.h"

namespace hnn::distilbert {
namespace {

std::string config_summary(const DistilBertConfig& c) {
  std::ostringstream os;
  os << "vocab_size " << c.vocab_size << ", max_position_embeddings " << c.max_position_embeddings
     << ", dim " << c.dim << ", hidden_dim " << c.hidden_dim << ", n_layers " << c.n_layers
     << ", n_heads " << c.n_heads << ", " << c.num_labels() << " labels";
  return os.str();
}

template <class T>
class TensorReader {
 public:
  TensorReader(const SafeTensorsFile& file, const DistilBertConfig& config)
      : file_(file), config_(config) {}

  std::vector<T> tensor(const std::string& name, std::vector<std::int64_t> shape) const {
    const TensorInfo* info = file_.find(name);
    if (info == nullptr) {
      HNN_THROW(DeserializationError, file_.source(), ": tensor '", name,
                "' is missing (expected a DistilBertForSequenceClassification checkpoint)");
    }
    if (info->shape != shape) {
      HNN_THROW(DeserializationError, file_.source(), ": tensor '", name, "' has shape ",
                shape_string(info->shape), " but the config (", config_summary(config_),
                ") requires ", shape_string(shape));
    }
    return file_.read<T>(name);
  }
  Matrix<T> matrix(const std::string& name, std::int64_t rows, std::int64_t cols) const {
    return Matrix<T>(static_cast<std::size_t>(rows), static_cast<std::size_t>(cols),
                     tensor(name, {rows, cols}));
  }
  LinearWeights<T> linear(const std::string& prefix, std::int64_t out, std::int64_t in) const {
    return {matrix(prefix + ".weight", out, in), tensor(prefix + ".bias", {out})};
  }
  LayerNormWeights<T> layer_norm(const std::string& prefix, std::int64_t dim) const {
    return {tensor(prefix + ".weight", {dim}), tensor(prefix + ".bias", {dim})};
  }

 private:
  const SafeTensorsFile& file_;
  const DistilBertConfig& config_;
};

template <class T>
void require_linear(const LinearWeights<T>& l, std::int64_t out, std::int64_t in,
                    const char* what) {
  HNN_REQUIRE(l.weight.rows() == static_cast<std::size_t>(out) &&
                  l.weight.cols() == static_cast<std::size_t>(in) &&
                  l.bias.size() == static_cast<std::size_t>(out),
              what, " is ", l.weight.rows(), "x", l.weight.cols(), " (bias ", l.bias.size(),
              "), the config needs ", out, "x", in);
}

template <class T>
void require_norm(const LayerNormWeights<T>& n, std::int64_t dim, const char* what) {
  HNN_REQUIRE(n.gamma.size() == static_cast<std::size_t>(dim) &&
                  n.beta.size() == static_cast<std::size_t>(dim),
              what, " has ", n.gamma.size(), "/", n.beta.size(), " values, the config needs ", dim);
}

}  // namespace

template <class T>
DistilBertWeights<T> load_weights(const SafeTensorsFile& file, const DistilBertConfig& config) {
  config.validate(file.source());
  const TensorReader<T> r(file, config);
  const std::int64_t d = config.dim;
  DistilBertWeights<T> w;
  w.word_embeddings =
      r.matrix("distilbert.embeddings.word_embeddings.weight", config.vocab_size, d);
  w.position_embeddings = r.matrix("distilbert.embeddings.position_embeddings.weight",
                                   config.max_position_embeddings, d);
  w.embedding_layer_norm = r.layer_norm("distilbert.embeddings.LayerNorm", d);
  for (std::int64_t i = 0; i < config.n_layers; ++i) {
    const std::string p = "distilbert.transformer.layer." + std::to_string(i) + ".";
    TransformerBlockWeights<T> b;
    b.q = r.linear(p + "attention.q_lin", d, d);
    b.k = r.linear(p + "attention.k_lin", d, d);
    b.v = r.linear(p + "attention.v_lin", d, d);
    b.out = r.linear(p + "attention.out_lin", d, d);
    b.sa_layer_norm = r.layer_norm(p + "sa_layer_norm", d);
    b.ffn_lin1 = r.linear(p + "ffn.lin1", config.hidden_dim, d);
    b.ffn_lin2 = r.linear(p + "ffn.lin2", d, config.hidden_dim);
    b.output_layer_norm = r.layer_norm(p + "output_layer_norm", d);
    w.blocks.push_back(std::move(b));
  }
  w.pre_classifier = r.linear("pre_classifier", d, d);
  w.classifier = r.linear("classifier", config.num_labels(), d);
  return w;
}

template <class T>
DistilBertClassifier<T>::DistilBertClassifier(DistilBertConfig config, DistilBertWeights<T> weights)
    : config_(std::move(config)), weights_(std::move(weights)) {
  config_.validate();
  const auto& c = config_;
  const auto& w = weights_;
  HNN_REQUIRE(w.word_embeddings.rows() == static_cast<std::size_t>(c.vocab_size) &&
                  w.word_embeddings.cols() == static_cast<std::size_t>(c.dim),
              "word_embeddings do not match the config");
  HNN_REQUIRE(w.position_embeddings.rows() == static_cast<std::size_t>(c.max_position_embeddings) &&
                  w.position_embeddings.cols() == static_cast<std::size_t>(c.dim),
              "position_embeddings do not match the config");
  require_norm(w.embedding_layer_norm, c.dim, "embedding LayerNorm");
  HNN_REQUIRE(w.blocks.size() == static_cast<std::size_t>(c.n_layers), w.blocks.size(),
              " transformer blocks for n_layers ", c.n_layers);
  for (const auto& b : w.blocks) {
    require_linear(b.q, c.dim, c.dim, "q_lin");
    require_linear(b.k, c.dim, c.dim, "k_lin");
    require_linear(b.v, c.dim, c.dim, "v_lin");
    require_linear(b.out, c.dim, c.dim, "out_lin");
    require_norm(b.sa_layer_norm, c.dim, "sa_layer_norm");
    require_linear(b.ffn_lin1, c.hidden_dim, c.dim, "ffn.lin1");
    require_linear(b.ffn_lin2, c.dim, c.hidden_dim, "ffn.lin2");
    require_norm(b.output_layer_norm, c.dim, "output_layer_norm");
  }
  require_linear(w.pre_classifier, c.dim, c.dim, "pre_classifier");
  require_linear(w.classifier, c.num_labels(), c.dim, "classifier");
}

template <class T>
DistilBertClassifier<T> DistilBertClassifier<T>::load(const std::filesystem::path& model_dir) {
  return load(model_dir / "model.safetensors",
              DistilBertConfig::from_json_file(model_dir / "config.json"));
}

template <class T>
DistilBertClassifier<T> DistilBertClassifier<T>::load(const std::filesystem::path& safetensors,
                                                      const DistilBertConfig& config) {
  const SafeTensorsFile file = SafeTensorsFile::open(safetensors);
  return DistilBertClassifier(config, load_weights<T>(file, config));
}

template <class T>
Matrix<T> DistilBertClassifier<T>::attention(const TransformerBlockWeights<T>& block,
                                             const Matrix<T>& x,
                                             std::span<const std::int32_t> mask) const {
  const Matrix<T> q = linear<T>(x, block.q.weight, block.q.bias);
  const Matrix<T> k = linear<T>(x, block.k.weight, block.k.bias);
  const Matrix<T> v = linear<T>(x, block.v.weight, block.v.bias);
  const std::size_t n = x.rows();
  const auto heads = static_cast<std::size_t>(config_.n_heads);
  const auto hd = static_cast<std::size_t>(config_.head_dim());
  const T scale = T(1) / std::sqrt(static_cast<T>(hd));
  Matrix<T> context(n, x.cols());
#pragma omp parallel for collapse(2) schedule(static)
  for (std::size_t h = 0; h < heads; ++h) {
    for (std::size_t i = 0; i < n; ++i) {
      const T* qi = q.row(i).data() + h * hd;
      std::vector<T> scores(n, T(0));
      T max_score = -std::numeric_limits<T>::infinity();
      for (std::size_t j = 0; j < n; ++j) {
        if (mask[j] == 0) continue;
        const T* kj = k.row(j).data() + h * hd;
        T s = T(0);
        for (std::size_t t = 0; t < hd; ++t) s += qi[t] * kj[t];
        scores[j] = s * scale;
        max_score = std::max(max_score, scores[j]);
      }
      // Softmax over the real keys only: HF fills padded keys with finfo.min, whose exponential
      // is exactly 0 after the max is subtracted.
      T sum = T(0);
      for (std::size_t j = 0; j < n; ++j) {
        scores[j] = mask[j] == 0 ? T(0) : std::exp(scores[j] - max_score);
        sum += scores[j];
      }
      T* ci = context.row(i).data() + h * hd;
      for (std::size_t j = 0; j < n; ++j) {
        if (mask[j] == 0) continue;
        const T p = scores[j] / sum;
        const T* vj = v.row(j).data() + h * hd;
        for (std::size_t t = 0; t < hd; ++t) ci[t] += p * vj[t];
      }
    }
  }
  return linear<T>(context, block.out.weight, block.out.bias);
}

template <class T>
Matrix<T> DistilBertClassifier<T>::last_hidden_state(std::span<const std::int32_t> ids,
                                                     std::span<const std::int32_t> mask) const {
  const std::size_t n = ids.size();
  HNN_REQUIRE(n >= 1, "cannot run DistilBERT on an empty sequence");
  HNN_REQUIRE(mask.size() == n, "attention_mask has ", mask.size(), " entries for ", n, " ids");
  HNN_REQUIRE(n <= static_cast<std::size_t>(config_.max_position_embeddings), "sequence of ", n,
              " tokens is longer than max_position_embeddings ", config_.max_position_embeddings,
              ": truncate it when encoding");
  bool any_real = false;
  for (std::size_t i = 0; i < n; ++i) {
    HNN_REQUIRE(ids[i] >= 0 && ids[i] < config_.vocab_size, "token id ", ids[i], " at position ", i,
                " is outside the vocabulary of ", config_.vocab_size);
    HNN_REQUIRE(mask[i] == 0 || mask[i] == 1, "attention_mask[", i, "] = ", mask[i],
                " is not 0 or 1");
    any_real = any_real || mask[i] == 1;
  }
  HNN_REQUIRE(any_real, "attention_mask masks every token");

  const auto& w = weights_;
  const T eps = static_cast<T>(config_.layer_norm_eps);
  Matrix<T> x(n, static_cast<std::size_t>(config_.dim));
  for (std::size_t i = 0; i < n; ++i) {
    const auto word = w.word_embeddings.row(static_cast<std::size_t>(ids[i]));
    const auto pos = w.position_embeddings.row(i);
    auto xi = x.row(i);
    for (std::size_t c = 0; c < xi.size(); ++c) xi[c] = word[c] + pos[c];
  }
  layer_norm_rows<T>(x, w.embedding_layer_norm.gamma, w.embedding_layer_norm.beta, eps);

  for (const auto& block : w.blocks) {
    Matrix<T> sa = attention(block, x, mask);
    add_in_place(sa, x);
    layer_norm_rows<T>(sa, block.sa_layer_norm.gamma, block.sa_layer_norm.beta, eps);
    Matrix<T> hidden = linear<T>(sa, block.ffn_lin1.weight, block.ffn_lin1.bias);
    if (config_.activation == Activation::Gelu) {
      gelu_in_place(hidden);
    } else {
      relu_in_place(hidden);
    }
    Matrix<T> out = linear<T>(hidden, block.ffn_lin2.weight, block.ffn_lin2.bias);
    add_in_place(out, sa);
    layer_norm_rows<T>(out, block.output_layer_norm.gamma, block.output_layer_norm.beta, eps);
    x = std::move(out);
  }
  return x;
}

template <class T>
std::vector<T> DistilBertClassifier<T>::logits(std::span<const std::int32_t> ids,
                                               std::span<const std::int32_t> mask) const {
  const Matrix<T> hidden = last_hidden_state(ids, mask);
  const auto dim = static_cast<std::size_t>(config_.dim);
  const Matrix<T> cls(1, dim, std::vector<T>(hidden.row(0).begin(), hidden.row(0).end()));
  Matrix<T> pooled = linear<T>(cls, weights_.pre_classifier.weight, weights_.pre_classifier.bias);
  relu_in_place(pooled);
  const Matrix<T> out = linear<T>(pooled, weights_.classifier.weight, weights_.classifier.bias);
  return out.data();
}

template <class T>
DistilBertClassifier<T> widen(const DistilBertClassifier<T>& model, int k) {
  HNN_REQUIRE(k >= 1, "widening factor ", k, ": it must be at least 1");
  if (k == 1) return model;
  const DistilBertConfig& c = model.config();
  const auto kk = static_cast<std::size_t>(k);
  const auto d = static_cast<std::size_t>(c.dim), hd = static_cast<std::size_t>(c.head_dim());
  const auto hidden = static_cast<std::size_t>(c.hidden_dim);
  DistilBertConfig wc = c;
  wc.dim = c.dim * k;
  wc.hidden_dim = c.hidden_dim * k;
  // source feature of each wide feature
  std::vector<std::size_t> feat(d * kk), unit(hidden * kk);
  for (std::size_t f = 0; f < feat.size(); ++f) feat[f] = (f / (kk * hd)) * hd + f % hd;
  for (std::size_t u = 0; u < unit.size(); ++u) unit[u] = u % hidden;
  const auto lin = [&](const LinearWeights<T>& w, const std::vector<std::size_t>& out_map,
                       const std::vector<std::size_t>& in_map, double scale) {
    LinearWeights<T> o{Matrix<T>(out_map.size(), in_map.size()), std::vector<T>(out_map.size())};
    const double in_scale = scale / static_cast<double>(kk);
    for (std::size_t r = 0; r < out_map.size(); ++r) {
      for (std::size_t i = 0; i < in_map.size(); ++i)
        o.weight(r, i) = static_cast<T>(static_cast<double>(w.weight(out_map[r], in_map[i])) * in_scale);
      o.bias[r] = static_cast<T>(static_cast<double>(w.bias[out_map[r]]) * scale);
    }
    return o;
  };
  // the classifier's outputs are the labels, not features
  std::vector<std::size_t> labels(static_cast<std::size_t>(c.num_labels()));
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = i;
  const auto norm = [&](const LayerNormWeights<T>& n) {
    LayerNormWeights<T> o{std::vector<T>(feat.size()), std::vector<T>(feat.size())};
    for (std::size_t f = 0; f < feat.size(); ++f) {
      o.gamma[f] = n.gamma[feat[f]];
      o.beta[f] = n.beta[feat[f]];
    }
    return o;
  };
  const auto columns = [&](const Matrix<T>& m) {
    Matrix<T> o(m.rows(), feat.size());
    for (std::size_t r = 0; r < m.rows(); ++r)
      for (std::size_t f = 0; f < feat.size(); ++f) o(r, f) = m(r, feat[f]);
    return o;
  };
  const DistilBertWeights<T>& w = model.weights();
  DistilBertWeights<T> ww;
  ww.word_embeddings = columns(w.word_embeddings);
  ww.position_embeddings = columns(w.position_embeddings);
  ww.embedding_layer_norm = norm(w.embedding_layer_norm);
  const double q_scale = 1.0 / std::sqrt(static_cast<double>(kk));
  for (const auto& b : w.blocks) {
    TransformerBlockWeights<T> o;
    o.q = lin(b.q, feat, feat, q_scale);
    o.k = lin(b.k, feat, feat, 1.0);
    o.v = lin(b.v, feat, feat, 1.0);
    o.out = lin(b.out, feat, feat, 1.0);
    o.sa_layer_norm = norm(b.sa_layer_norm);
    o.ffn_lin1 = lin(b.ffn_lin1, unit, feat, 1.0);
    o.ffn_lin2 = lin(b.ffn_lin2, feat, unit, 1.0);
    o.output_layer_norm = norm(b.output_layer_norm);
    ww.blocks.push_back(std::move(o));
  }
  ww.pre_classifier = lin(w.pre_classifier, feat, feat, 1.0);
  ww.classifier = lin(w.classifier, labels, feat, 1.0);
  return DistilBertClassifier<T>(std::move(wc), std::move(ww));
}

template DistilBertWeights<float> load_weights<float>(const SafeTensorsFile&,
                                                      const DistilBertConfig&);
template DistilBertWeights<double> load_weights<double>(const SafeTensorsFile&,
                                                        const DistilBertConfig&);
template class DistilBertClassifier<float>;
template class DistilBertClassifier<double>;
template DistilBertClassifier<float> widen(const DistilBertClassifier<float>&, int);
template DistilBertClassifier<double> widen(const DistilBertClassifier<double>&, int);

}  // namespace hnn::distilbert
