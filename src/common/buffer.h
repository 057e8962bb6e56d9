// Buffer: an owned, aligned, fixed-capacity byte buffer for zero-copy I/O.
//
// Data moves between network and disk in Buffers that are passed by move, so
// exactly one owner touches the bytes at a time and nothing is copied on the
// way. Alignment defaults to 4 KiB so a Buffer can be used with O_DIRECT.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace skyarray {

class Buffer {
 public:
  static constexpr size_t kDefaultAlignment = 4096;

  Buffer() = default;
  // An empty buffer (size 0) able to hold `capacity` bytes. Aborts on OOM,
  // like operator new: there is no useful recovery for a storage server.
  explicit Buffer(size_t capacity, size_t alignment = kDefaultAlignment);
  static Buffer copy_of(std::string_view bytes);
  ~Buffer();

  Buffer(Buffer&& other) noexcept;
  Buffer& operator=(Buffer&& other) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  size_t room() const { return capacity_ - size_; }

  // Precondition: n <= capacity(). New bytes (if growing) are uninitialised.
  void resize(size_t n);
  void clear() { size_ = 0; }
  // Appends up to room() bytes; returns how many were taken.
  size_t append(const void* bytes, size_t n);

  std::span<uint8_t> span() { return {data_, size_}; }
  std::span<const uint8_t> span() const { return {data_, size_}; }
  // Writable tail: [size(), capacity()).
  std::span<uint8_t> tail() { return {data_ + size_, capacity_ - size_}; }
  std::string_view view() const { return {reinterpret_cast<const char*>(data_), size_}; }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace skyarray
