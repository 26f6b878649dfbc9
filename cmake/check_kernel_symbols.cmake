# Run after the core is built (see "SIMD dispatch" in CMakeLists.txt): every copy of the evaluation
# kernels must define its code only inside its own namespace (scoreopt::so_<path>). A symbol
# defined outside it (an std::vector member, an inline function of a header without
# SO_NAMESPACE_BEGIN) would be merged by the linker with the copies of the other paths and of the
# rest of the core, and could leave AVX-512 code where an older CPU runs. Usage:
#   cmake -DNM=<nm> -DOBJECTS="a.o;b.o" -P check_kernel_symbols.cmake
if(NOT NM)
  message(STATUS "scoreopt: nm not found, kernel symbol check skipped")
  return()
endif()
foreach(obj IN LISTS OBJECTS)
  execute_process(COMMAND ${NM} -C --defined-only ${obj} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "scoreopt: ${NM} failed on ${obj}")
  endif()
  string(REPLACE "\n" ";" lines "${out}")
  foreach(line IN LISTS lines)
    # code and link-once data: T/t (text), W/V (weak), u (unique global), i (ifunc)
    if(line MATCHES "^[0-9a-fA-F]* [TWVui] " AND NOT line MATCHES "scoreopt::so_[a-z0-9]+::"
       AND NOT line MATCHES "DW\\.ref\\.__gxx_personality_v0")
      message(FATAL_ERROR "scoreopt: ${obj} defines '${line}' outside its SIMD namespace; "
                          "see SO_NAMESPACE_BEGIN in csrc/include/scoreopt/config.hpp")
    endif()
  endforeach()
endforeach()
