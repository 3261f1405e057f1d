# Writes OUT: a C++ source that returns SRC (docs/openapi.json) from
# authd::http::openapiDocument(), as one raw string literal.
file(READ ${SRC} text)
set(delim "authd_openapi")
string(FIND "${text}" ")${delim}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${SRC} contains the raw-string terminator )${delim}\"; change the delimiter in ${CMAKE_CURRENT_LIST_FILE}")
endif()
file(WRITE ${OUT}.tmp "// Generated from docs/openapi.json by cmake/embed_openapi.cmake; do not edit.\n#include \"http/openapi.hpp\"\n\nnamespace authd::http {\n\nstd::string_view openapiDocument() {\n  static constexpr std::string_view kDocument = R\"${delim}(${text})${delim}\";\n  return kDocument;\n}\n\n}  // namespace authd::http\n")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
