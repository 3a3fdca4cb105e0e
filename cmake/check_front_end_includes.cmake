# Run by the build (cmake -P, kvsim_front_end in the top-level CMakeLists.txt) before a front end
# compiles: every `#include "<layer>/..."` of a sim/ layer in FILES must name a header of ALLOWED,
# the front ends' public headers. Fails the build with file:line and the header otherwise; on
# success touches STAMP.
#   -DNAME=<front end> -DFILES=<a;b> -DALLOWED=<layer/header.h;...> -DLAYERS=<workload;kv;...> -DSTAMP=<file>
cmake_minimum_required(VERSION 3.20)  # IN_LIST
foreach(list FILES ALLOWED LAYERS)
  string(REPLACE "|" ";" ${list} "${${list}}")
endforeach()
set(violations "")
foreach(file ${FILES})
  file(STRINGS ${file} lines)
  set(n 0)
  foreach(line IN LISTS lines)
    math(EXPR n "${n} + 1")
    if(line MATCHES "^[ \t]*#[ \t]*include[ \t]*\"(([a-z_]+)/[^\"]+)\"")
      set(header ${CMAKE_MATCH_1})
      if(CMAKE_MATCH_2 IN_LIST LAYERS AND NOT header IN_LIST ALLOWED)
        string(APPEND violations "\n  ${file}:${n}: \"${header}\" is not a public header of the library")
      endif()
    endif()
  endforeach()
endforeach()
if(violations)
  message(FATAL_ERROR "${NAME} includes a library header that front ends may not (the public headers are "
                      "KVSIM_FRONT_END_HEADERS in CMakeLists.txt, docs/architecture.md):${violations}")
endif()
get_filename_component(stamp_dir ${STAMP} DIRECTORY)
file(MAKE_DIRECTORY ${stamp_dir})
file(TOUCH ${STAMP})
