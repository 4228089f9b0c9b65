// Asio and Beast are header-only by default; compiling their implementation once here (with
// BOOST_*_SEPARATE_COMPILATION) keeps every other translation unit lighter.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
