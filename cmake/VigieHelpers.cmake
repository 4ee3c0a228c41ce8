# Shared compile settings for every Vigie target.
set(VIGIE_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough)
if(VIGIE_WERROR)
  list(APPEND VIGIE_WARNINGS -Werror)
endif()

function(vigie_target_settings target)
  target_compile_options(${target} PRIVATE ${VIGIE_WARNINGS})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
  if(VIGIE_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${VIGIE_SANITIZE} -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=${VIGIE_SANITIZE})
  endif()
endfunction()

# vigie_add_library(name SOURCES ... DEPS ...)
function(vigie_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  vigie_target_settings(${name})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# vigie_add_executable(name SOURCES ... DEPS ...)
function(vigie_add_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  vigie_target_settings(${name})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
endfunction()

# vigie_add_test(name SOURCES ... DEPS ... [LABELS ...] [TIMEOUT s])
# Unit tests are discovered one ctest entry per TEST(); integration tests get the
# `integration` label so they can be run alone (ctest -L integration).
function(vigie_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  vigie_target_settings(${name})
  target_compile_definitions(${name} PRIVATE
    VIGIE_SOURCE_DIR="${PROJECT_SOURCE_DIR}" VIGIE_FIXTURES_DIR="${PROJECT_SOURCE_DIR}/tests/fixtures")
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest_main GTest::gmock)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 30
    PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT})
endfunction()
