// Task<T>: the coroutine type of every asynchronous operation.
//
// This header is deliberately light (only Asio's awaitable), so services can
// declare coroutine APIs without pulling the whole of Asio or Beast into
// every translation unit.
#pragma once

#include <boost/asio/awaitable.hpp>

namespace skyarray {

template <typename T = void>
using Task = boost::asio::awaitable<T>;

}  // namespace skyarray
