// MNIST in the original IDX format, gzip-compressed (LeCun, Cortes, Burges); read with zlib.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace hnn::cryptonn {

struct MnistSet {
  std::size_t rows = 0, cols = 0;
  std::vector<uint8_t> pixels;  // count x rows*cols, row-major, 0..255
  std::vector<uint8_t> labels;  // 0..9
  std::size_t size() const { return labels.size(); }
  std::size_t features() const { return rows * cols; }
  const uint8_t* image(std::size_t i) const { return pixels.data() + i * features(); }
};

// Reads <dir>/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz; limit > 0 keeps the first `limit`.
// Validates magic numbers, dimensions and counts (hnn::DeserializationError otherwise).
MnistSet load_mnist(const std::string& dir, bool train, std::size_t limit = 0);

// The data folder shipped with the sources (models/cryptonn/data), fixed at configure time.
std::string default_mnist_dir();

}  // namespace hnn::cryptonn
