#include "hnn/cryptonn/mnist.h"

#include <zlib.h>

#include <memory>

#include "hnn/rns/error.h"

namespace hnn::cryptonn {
namespace {

std::vector<uint8_t> gunzip_file(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) HNN_THROW(InvalidArgument, "cannot open ", path, " (pass --data-dir with the MNIST .gz files)");
  std::unique_ptr<gzFile_s, int (*)(gzFile)> guard(f, gzclose);
  std::vector<uint8_t> out;
  uint8_t buf[1 << 16];
  for (;;) {
    const int n = gzread(f, buf, sizeof buf);
    if (n < 0) HNN_THROW(DeserializationError, "gzip error while reading ", path);
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
    if (out.size() > (std::size_t{1} << 30)) HNN_THROW(DeserializationError, path, " is too large");
  }
  return out;
}

uint32_t be32(const std::vector<uint8_t>& b, std::size_t off) {
  if (off + 4 > b.size()) HNN_THROW(DeserializationError, "IDX header truncated");
  return uint32_t{b[off]} << 24 | uint32_t{b[off + 1]} << 16 | uint32_t{b[off + 2]} << 8 | b[off + 3];
}

}  // namespace

std::string default_mnist_dir() { return HNN_CRYPTONN_DATA_DIR; }

MnistSet load_mnist(const std::string& dir, bool train, std::size_t limit) {
  const std::string prefix = dir + "/" + (train ? "train" : "t10k");
  const auto images = gunzip_file(prefix + "-images-idx3-ubyte.gz");
  const auto labels = gunzip_file(prefix + "-labels-idx1-ubyte.gz");
  if (be32(images, 0) != 0x00000803) HNN_THROW(DeserializationError, "bad IDX3 magic in ", prefix);
  if (be32(labels, 0) != 0x00000801) HNN_THROW(DeserializationError, "bad IDX1 magic in ", prefix);
  const std::size_t count = be32(images, 4), rows = be32(images, 8), cols = be32(images, 12);
  if (be32(labels, 4) != count) HNN_THROW(DeserializationError, "image and label counts differ in ", prefix);
  if (rows != 28 || cols != 28) HNN_THROW(DeserializationError, "expected 28x28 images in ", prefix);
  if (images.size() != 16 + count * rows * cols || labels.size() != 8 + count)
    HNN_THROW(DeserializationError, "IDX payload size does not match its header in ", prefix);
  const std::size_t keep = limit ? std::min(limit, count) : count;
  MnistSet s;
  s.rows = rows;
  s.cols = cols;
  s.pixels.assign(images.begin() + 16, images.begin() + 16 + keep * rows * cols);
  s.labels.assign(labels.begin() + 8, labels.begin() + 8 + keep);
  for (uint8_t l : s.labels)
    if (l > 9) HNN_THROW(DeserializationError, "label ", int(l), " outside 0..9 in ", prefix);
  return s;
}

}  // namespace hnn::cryptonn
