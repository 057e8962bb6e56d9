#include "common/buffer.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

namespace skyarray {

Buffer::Buffer(size_t capacity, size_t alignment) : capacity_(capacity) {
  if (capacity == 0) return;
  size_t rounded = (capacity + alignment - 1) / alignment * alignment;
  data_ = static_cast<uint8_t*>(std::aligned_alloc(alignment, rounded));
  if (data_ == nullptr) throw std::bad_alloc();
}

Buffer Buffer::copy_of(std::string_view bytes) {
  Buffer b(bytes.size());
  b.append(bytes.data(), bytes.size());
  return b;
}

Buffer::~Buffer() {
  std::free(data_);
}

Buffer::Buffer(Buffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)) {}

Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    std::free(data_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

void Buffer::resize(size_t n) {
  if (n > capacity_) std::abort();  // a caller bug, never input-driven
  size_ = n;
}

size_t Buffer::append(const void* bytes, size_t n) {
  size_t take = n < room() ? n : room();
  if (take != 0) std::memcpy(data_ + size_, bytes, take);
  size_ += take;
  return take;
}

}  // namespace skyarray
