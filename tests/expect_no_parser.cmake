# Passes when OBJECT (an object file compiled with CHRONICLE_JSON_EXTERN_PARSER) defines none of
# Boost.JSON's parser for chronicle's handler: its files leave the parser to the one instance.
#   cmake -DOBJECT=<file.o> -P expect_no_parser.cmake
execute_process(COMMAND nm --defined-only ${OBJECT} OUTPUT_VARIABLE symbols RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "nm failed on ${OBJECT}")
endif()
# basic_parser<chronicle::v0::detail::exact_json_handler>::write_some, mangled
if(symbols MATCHES "basic_parserIN9chronicle2v06detail18exact_json_handlerEE10write_some")
  message(FATAL_ERROR "${OBJECT} compiles the JSON parser itself: CHRONICLE_JSON_EXTERN_PARSER had no effect")
endif()
message("the object defines none of the parser")
