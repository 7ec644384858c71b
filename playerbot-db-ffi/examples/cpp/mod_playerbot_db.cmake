# The lines a module's <module>.cmake needs to link playerbot-db: an imported target over the
# Rust static library, with the system libraries a Rust static library needs on Linux (as
# `cargo rustc -p playerbot-db-ffi --crate-type staticlib -- --print=native-static-libs`
# prints them).
find_package(Threads REQUIRED)
add_library(playerbot_db STATIC IMPORTED GLOBAL)
set_target_properties(playerbot_db PROPERTIES
  IMPORTED_LOCATION "${PLAYERBOT_DB_FFI_LIB}"
  INTERFACE_INCLUDE_DIRECTORIES "${PLAYERBOT_DB_FFI_INCLUDE}")
target_link_libraries(playerbot_db INTERFACE Threads::Threads ${CMAKE_DL_LIBS} m rt util)
