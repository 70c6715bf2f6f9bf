#pragma once
// Boost.JSON's parser, with doubles read exactly.
//
// Boost.JSON 1.81 converts some decimal numbers to a double one unit in the last place off (it has no
// precise mode yet), so a double would not always survive a round trip. This runs Boost's own
// basic_parser with a handler like boost::json::parser's, except that it converts each floating-point
// number's text with std::from_chars, which is exact.
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_stack.hpp>

#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace chronicle {
inline namespace v0 {
namespace detail {

struct exact_json_handler {
  static constexpr std::size_t max_object_size = boost::json::object::max_size();
  static constexpr std::size_t max_array_size = boost::json::array::max_size();
  static constexpr std::size_t max_key_size = boost::json::string::max_size();
  static constexpr std::size_t max_string_size = boost::json::string::max_size();

  using error_code = boost::system::error_code;
  using string_view = boost::json::string_view;

  boost::json::value_stack st;
  std::string number;  // the text of a number that arrived in parts

  template <class... Args>
  explicit exact_json_handler(Args&&... args) : st(std::forward<Args>(args)...) {}

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) { return true; }
  bool on_object_end(std::size_t n, error_code&) {
    st.push_object(n);
    return true;
  }
  bool on_array_begin(error_code&) { return true; }
  bool on_array_end(std::size_t n, error_code&) {
    st.push_array(n);
    return true;
  }
  bool on_key_part(string_view s, std::size_t, error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_key(string_view s, std::size_t, error_code&) {
    st.push_key(s);
    return true;
  }
  bool on_string_part(string_view s, std::size_t, error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(string_view s, std::size_t, error_code&) {
    st.push_string(s);
    return true;
  }
  bool on_number_part(string_view s, error_code&) {
    number.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t i, string_view, error_code&) {
    number.clear();
    st.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, string_view, error_code&) {
    number.clear();
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, string_view s, error_code&) {
    std::string_view text(s.data(), s.size());
    if (!number.empty()) text = number.append(s.data(), s.size());
    double exact = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), exact);
    if (error == std::errc{} && end == text.data() + text.size()) d = exact;  // else keep Boost's (e.g. overflow)
    number.clear();
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }
};

}  // namespace detail
}  // namespace v0
}  // namespace chronicle

// The parser is a template over the handler above, and compiling it costs a file that reads JSON
// about 2.5 s of GCC -O2. A program whose files are compiled with CHRONICLE_JSON_EXTERN_PARSER
// defined compiles it once, in the one file that says CHRONICLE_INSTANTIATE_JSON_PARSER(); at global
// scope (the README's section on compile time).
#ifdef CHRONICLE_JSON_EXTERN_PARSER
extern template class boost::json::basic_parser<chronicle::detail::exact_json_handler>;
#endif
#define CHRONICLE_INSTANTIATE_JSON_PARSER() template class boost::json::basic_parser<::chronicle::detail::exact_json_handler>

namespace chronicle {
inline namespace v0 {
namespace detail {

// How chronicle reads the JSON it wrote: strings are bytes (stream ids and event strings need not be
// UTF-8; they are written as they are), so invalid UTF-8 is read back as it was.
inline boost::json::parse_options strings_as_bytes() {
  boost::json::parse_options options;
  options.allow_invalid_utf8 = true;
  return options;
}

// Feeds `text` to a ready parser as one whole document (anything after it is an error) and takes
// the value it built.
inline boost::json::value parse_document(boost::json::basic_parser<exact_json_handler>& parser, std::string_view text,
                                         boost::system::error_code& ec) {
  const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && used < text.size()) ec = boost::json::error::extra_data;
  if (ec) return nullptr;
  return parser.handler().st.release();
}

/// Parses one whole document (anything after it is an error), allocating from `storage`.
inline boost::json::value parse_json(std::string_view text, boost::system::error_code& ec,
                                     boost::json::storage_ptr storage = {},
                                     const boost::json::parse_options& options = {}) {
  boost::json::basic_parser<exact_json_handler> parser(options, storage, nullptr, 0);
  parser.handler().st.reset(storage);
  return parse_document(parser, text, ec);
}

/// Parses many documents one after another, reusing one parser and one scratch buffer: reading a
/// stream of payloads allocates nothing for the trees that fit 4 KiB. A value returned by `parse`
/// lives until the next call. Not copyable (the resource points into the object).
///
/// Each document gets a fresh monotonic resource over the scratch buffer: a released one would keep
/// the size of its next block, which doubles with every document that overflows, so the memory a
/// reader asks for stays bounded by the largest document rather than growing with their number.
class json_reader {
 public:
  explicit json_reader(const boost::json::parse_options& options = {}) : parser_(options, boost::json::storage_ptr(), nullptr, 0) {}
  json_reader(const json_reader&) = delete;
  json_reader& operator=(const json_reader&) = delete;

  boost::json::value parse(std::string_view text, boost::system::error_code& ec) {
    // Forget the last document first (a failed one may have left values and number text behind),
    // then the memory it used.
    parser_.reset();
    parser_.handler().number.clear();
    parser_.handler().st.reset(boost::json::storage_ptr());
    resource_.emplace(scratch_, sizeof scratch_);
    parser_.handler().st.reset(&*resource_);
    return parse_document(parser_, text, ec);
  }

 private:
  unsigned char scratch_[4096];
  std::optional<boost::json::monotonic_resource> resource_;
  boost::json::basic_parser<exact_json_handler> parser_;
};

}  // namespace detail
}  // namespace v0
}  // namespace chronicle
