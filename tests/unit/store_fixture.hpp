// A fresh database file per test, and a way to change it behind the store's back.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "daemon/store/store.hpp"

namespace dermad::store {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("dermad-store-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "dermad.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static std::vector<Event> events(int n, const std::string& kind = "state_changed") {
    std::vector<Event> v;
    for (int i = 0; i < n; ++i) {
      v.push_back(
          {0, 1'700'000'000'000'000'000 + i, 1000 + i, kind, "info", "", R"({"to":"IDLE"})", ""});
    }
    return v;
  }
  // Changes the file behind the store's back, as someone with the sqlite3 shell would.
  void tamper(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }

  std::filesystem::path dir_;
  std::string path_;
};

}  // namespace dermad::store
