// The JSON parser, compiled once for every test that reads JSON: they are compiled with
// CHRONICLE_JSON_EXTERN_PARSER, as the README's compile-time section shows.
#include <chronicle/json.hpp>

CHRONICLE_INSTANTIATE_JSON_PARSER();
