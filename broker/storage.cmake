# refbroker storage engine: segmented partition logs and the log manager (broker/src/storage).
file(GLOB REFBROKER_STORAGE_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/src/storage/*.cpp)
add_library(refbroker_storage STATIC ${REFBROKER_STORAGE_SOURCES})
add_library(refbroker::storage ALIAS refbroker_storage)
target_include_directories(refbroker_storage PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_LIST_DIR}/src>)
target_compile_features(refbroker_storage PUBLIC cxx_std_20)
target_link_libraries(refbroker_storage PUBLIC kafka::protocol Threads::Threads)
