#include "daemon/config/text_format.hpp"

#include <google/protobuf/io/tokenizer.h>

namespace dermad::config {

namespace pb = google::protobuf;

namespace {

class Collector : public pb::io::ErrorCollector {
 public:
  Collector(const std::string& source, std::vector<std::string>& out)
      : source_(source), out_(out) {}
  void AddError(int line, pb::io::ColumnNumber col, const std::string& msg) override {
    out_.push_back(source_ + ":" + std::to_string(line + 1) + ":" + std::to_string(col + 1) + ": " +
                   msg);
  }

 private:
  const std::string& source_;
  std::vector<std::string>& out_;
};

}  // namespace

bool parse_text_format(const std::string& text, const std::string& source, pb::Message& msg,
                       LocationTree& tree, std::vector<std::string>& errors) {
  Collector collector(source, errors);
  pb::TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  parser.WriteLocationsTo(&tree);
  return parser.ParseFromString(text, &msg);
}

int line_of(const LocationTree* tree, const pb::Message& m, const char* name, int index,
            int fallback) {
  if (tree == nullptr) return fallback;
  const auto* f = m.GetDescriptor()->FindFieldByName(name);
  if (f == nullptr) return fallback;
  const auto loc = tree->GetLocation(f, f->is_repeated() ? index : -1);
  return loc.line >= 0 ? loc.line + 1 : fallback;
}

}  // namespace dermad::config
