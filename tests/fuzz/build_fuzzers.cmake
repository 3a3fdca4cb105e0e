# cmake -DSOURCE_DIR=... -DBINARY_DIR=... -DCLANGXX=... -P build_fuzzers.cmake
# Configures and builds the libFuzzer harnesses in BINARY_DIR with clang (the CTest fixture
# "fuzz_build" of the release build), and empties the folder where a short run writes new inputs.
cmake_host_system_information(RESULT jobs QUERY NUMBER_OF_LOGICAL_CORES)
execute_process(
  COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${BINARY_DIR} -DCMAKE_CXX_COMPILER=${CLANGXX}
          -DCMAKE_BUILD_TYPE=Debug -DKVSIM_FUZZ=ON -DKVSIM_BUILD_TESTS=OFF -DKVSIM_BUILD_BENCH=OFF
          -DKVSIM_BUILD_GUI=OFF -DKVSIM_BUILD_GPU=OFF
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring the fuzz build in ${BINARY_DIR} failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BINARY_DIR} --target fuzzers -j ${jobs} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building the fuzz harnesses in ${BINARY_DIR} failed")
endif()
file(REMOVE_RECURSE ${BINARY_DIR}/corpus)
include(${CMAKE_CURRENT_LIST_DIR}/harnesses.cmake)
foreach(harness ${KVSIM_FUZZ_HARNESSES})
  file(MAKE_DIRECTORY ${BINARY_DIR}/corpus/${harness})
endforeach()
