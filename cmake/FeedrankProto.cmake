# feedrank_proto_library(NAME PROTOS... [GRPC]): a static library of generated C++ code.
find_program(FEEDRANK_GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)

function(feedrank_proto_library name)
  cmake_parse_arguments(ARG "GRPC" "IMPORT_DIR" "PROTOS" ${ARGN})
  add_library(${name} STATIC ${ARG_PROTOS})
  target_link_libraries(${name} PUBLIC protobuf::libprotobuf)
  target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_BINARY_DIR})
  protobuf_generate(TARGET ${name} LANGUAGE cpp IMPORT_DIRS ${ARG_IMPORT_DIR}
                    PROTOC_OUT_DIR ${CMAKE_CURRENT_BINARY_DIR})
  if(ARG_GRPC)
    target_link_libraries(${name} PUBLIC gRPC::grpc++)
    protobuf_generate(TARGET ${name} LANGUAGE grpc IMPORT_DIRS ${ARG_IMPORT_DIR}
                      PROTOC_OUT_DIR ${CMAKE_CURRENT_BINARY_DIR}
                      GENERATE_EXTENSIONS .grpc.pb.h .grpc.pb.cc
                      PLUGIN "protoc-gen-grpc=${FEEDRANK_GRPC_CPP_PLUGIN}")
  endif()
  # Generated code is not ours to warn about.
  target_compile_options(${name} PRIVATE -w)
endfunction()
