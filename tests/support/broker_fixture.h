// GoogleTest fixture running refbroker in-process on an ephemeral port in a fresh directory.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "broker.h"

namespace testing_support {

inline std::filesystem::path fresh_temp_dir(const std::string& prefix) {
  std::random_device rd;
  auto dir = std::filesystem::temp_directory_path() / (prefix + "-" + std::to_string(rd()) + std::to_string(rd()));
  std::filesystem::create_directories(dir);
  return dir;
}

class BrokerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_temp_dir("refbroker-test");
    start_broker();
  }
  void TearDown() override {
    broker_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  // Extra server.properties for the next start.
  virtual std::map<std::string, std::string> broker_config() { return {{"refbroker.log.fsync", "false"}}; }
  void start_broker() {
    refbroker::BrokerOptions o;
    o.data_dir = dir_;
    o.config = broker_config();
    broker_ = std::make_unique<refbroker::Broker>(o);
    broker_->start();
  }
  void restart_broker() {
    broker_->stop();
    broker_.reset();
    start_broker();
  }
  refbroker::Broker& broker() { return *broker_; }
  std::string bootstrap() const { return broker_->bootstrap(); }

  std::filesystem::path dir_;
  std::unique_ptr<refbroker::Broker> broker_;
};

}  // namespace testing_support
