# Passes when OBJECT (an object file compiled with CHRONICLE_JSON_EXTERN_PARSER) defines none of
# Boost.JSON's parser for chronicle's handler, and INSTANCE (the file with
# CHRONICLE_INSTANTIATE_JSON_PARSER()) does: the one instance holds the parser, the others leave it to it.
# The second check keeps the first honest: a pattern that matched nothing would pass it too.
#   cmake -DOBJECT=<file.o> -DINSTANCE=<instance.o> -P expect_no_parser.cmake
# basic_parser<chronicle::v0::detail::exact_json_handler>::write_some, mangled
set(parser "basic_parserIN9chronicle2v06detail18exact_json_handlerEE10write_some")
function(defined_symbols file out)
  execute_process(COMMAND nm --defined-only ${file} OUTPUT_VARIABLE symbols RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "nm failed on ${file}")
  endif()
  set(${out} "${symbols}" PARENT_SCOPE)
endfunction()
defined_symbols(${INSTANCE} instance_symbols)
if(NOT instance_symbols MATCHES "${parser}")
  message(FATAL_ERROR "${INSTANCE} does not define the JSON parser: the instance is missing, or the check's pattern is stale")
endif()
defined_symbols(${OBJECT} symbols)
if(symbols MATCHES "${parser}")
  message(FATAL_ERROR "${OBJECT} compiles the JSON parser itself: CHRONICLE_JSON_EXTERN_PARSER had no effect")
endif()
message("the instance defines the parser, and the object none of it")
