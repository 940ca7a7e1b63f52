# hnn_add_layer(<name> SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# One folder = one layer = one library target hnn_<name>, exported as hnn::<name>.
# Public headers live in <name>/include/hnn/<name>/ and install to include/hnn/<name>/.
function(hnn_add_layer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(hnn_${name} ${ARG_SOURCES})
  add_library(hnn::${name} ALIAS hnn_${name})
  set_target_properties(hnn_${name} PROPERTIES EXPORT_NAME ${name} OUTPUT_NAME hnn_${name})
  target_include_directories(hnn_${name} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  # C++20 for consumers; the layer itself builds with CMAKE_CXX_STANDARD (C++17 for its .cu files,
  # since CMake 3.25 knows no CUDA20 dialect for nvcc).
  target_compile_features(hnn_${name} INTERFACE cxx_std_20)
  target_link_libraries(hnn_${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS} hnn_warnings)
  # An instrumented static library needs the sanitizer runtimes wherever it is linked, in a
  # consumer of the installed package too (tests/package). Empty unless HNN_SANITIZE.
  target_link_options(hnn_${name} INTERFACE ${HNN_SANITIZE_LINK_OPTIONS})
  install(TARGETS hnn_${name} EXPORT hnnTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endfunction()
