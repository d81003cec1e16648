# Embeds a file in the binary: writes a C++ source defining `std::string_view <FUNCTION>()` in
# namespace <NAMESPACE> that returns the file's bytes. Run at build time by add_custom_command:
#   cmake -DINPUT=page.html -DOUTPUT=page_asset.cc -DFUNCTION=StatusPageHtml
#         -DNAMESPACE=sluice::server -DHEADER=server/status_page_asset.h -P embed_asset.cmake
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
string(REGEX REPLACE "(([^,]*,){16})" "\\1\n    " bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT} by cmake/embed_asset.cmake; do not edit.\n"
  "#include \"${HEADER}\"\n\n"
  "namespace ${NAMESPACE} {\n"
  "namespace {\n"
  "constexpr char kBytes[${size} + 1] = {\n    ${bytes}'\\0'};\n"
  "}  // namespace\n\n"
  "std::string_view ${FUNCTION}() { return std::string_view(kBytes, ${size}); }\n\n"
  "}  // namespace ${NAMESPACE}\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
