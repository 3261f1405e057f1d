# Writes OUT: a C++ source that returns SRC (docs/openapi.json) from
# authd::http::openapiDocument(), as one raw string literal.
file(READ ${SRC} text)
set(delim "authd_openapi")
string(FIND "${text}" ")${delim}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${SRC} contains the raw-string terminator )${delim}\"; change the delimiter in ${CMAKE_CURRENT_LIST_FILE}")
endif()
file(WRITE ${OUT}.tmp "// Generated from docs/openapi.json by cmake/embed_openapi.cmake; do not edit.\n#include \"http/openapi.hpp\"\n\nnamespace authd::http {\n\nstd::string_view openapiDocument() {\n  // An array, so its length is sizeof's: a constexpr string_view would count it in a loop past the compiler's\n  // constexpr step limit once the document is over 256 KiB.\n  static constexpr char kDocument[] = R\"${delim}(${text})${delim}\";\n  return {kDocument, sizeof(kDocument) - 1};\n}\n\n}  // namespace authd::http\n")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
