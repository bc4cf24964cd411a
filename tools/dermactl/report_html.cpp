#include "tools/dermactl/report_html.hpp"

#include <algorithm>

namespace dermad::ctl {

namespace {

constexpr std::string_view kStyle = R"(
body { font-family: sans-serif; font-size: 14px; margin: 2em; color: #222; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; border-bottom: 1px solid #bbb; margin-top: 2em; }
nav a { margin-right: 1em; }
table { border-collapse: collapse; margin: 0.3em 0; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
table.fields > tbody > tr > th { width: 14em; }
td code { white-space: pre-wrap; word-break: break-all; }
tr.alarm td { color: #a00; font-weight: bold; }
tr.warning td { color: #850; }
p.missing { color: #a00; font-weight: bold; }
)";

void escape_into(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
}

std::string scalar_text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_null()) return "-";
  return dump(v);
}

bool all_objects(const Json& a) {
  for (const auto& v : a) {
    if (!v.is_object()) return false;
  }
  return !a.empty();
}

// A row that records an alarm (or a fault) stands out, as it does on the terminal.
const char* row_class(const Json& row) {
  const auto is = [&row](const char* key, const char* value) {
    const auto it = row.find(key);
    return it != row.end() && it->is_string() && it->get<std::string>() == value;
  };
  if (is("severity", "alarm") || is("priority", "high")) return " class=\"alarm\"";
  if (is("severity", "warning") || is("priority", "medium")) return " class=\"warning\"";
  return "";
}

void value_into(std::string& out, const Json& v, bool in_row);

// Objects in rows are shown as their compact JSON: a table per cell would bury the rows.
void rows_into(std::string& out, const Json& rows) {
  std::vector<std::string> columns;
  for (const auto& row : rows) {
    for (const auto& [key, value] : row.items()) {
      if (std::find(columns.begin(), columns.end(), key) == columns.end()) columns.push_back(key);
    }
  }
  out += "<table class=\"rows\"><thead><tr>";
  for (const auto& c : columns) {
    out += "<th>";
    escape_into(out, c);
    out += "</th>";
  }
  out += "</tr></thead><tbody>\n";
  for (const auto& row : rows) {
    out += "<tr";
    out += row_class(row);
    out += ">";
    for (const auto& c : columns) {
      out += "<td>";
      const auto it = row.find(c);
      if (it != row.end()) value_into(out, *it, true);
      out += "</td>";
    }
    out += "</tr>\n";
  }
  out += "</tbody></table>";
}

void value_into(std::string& out, const Json& v, bool in_row) {
  if (v.is_object() && in_row) {
    out += "<code>";
    escape_into(out, v.empty() ? "" : dump(v));
    out += "</code>";
  } else if (v.is_object()) {
    out += "<table class=\"fields\"><tbody>\n";
    for (const auto& [key, value] : v.items()) {
      out += "<tr><th>";
      escape_into(out, key);
      out += "</th><td>";
      value_into(out, value, false);
      out += "</td></tr>\n";
    }
    out += "</tbody></table>";
  } else if (v.is_array() && all_objects(v) && !in_row) {
    rows_into(out, v);
  } else if (v.is_array()) {
    std::string list;
    for (const auto& item : v) {
      list += (list.empty() ? "" : ", ") + (item.is_structured() ? dump(item) : scalar_text(item));
    }
    escape_into(out, list.empty() ? "none" : list);
  } else {
    escape_into(out, scalar_text(v));
  }
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  escape_into(out, text);
  return out;
}

std::string report_html(const Report& report) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<title>";
  escape_into(out, report.title);
  out += "</title>\n<style>";
  out += kStyle;
  out += "</style>\n</head>\n<body>\n<h1>";
  escape_into(out, report.title);
  out += "</h1>\n<table class=\"fields\"><tbody>\n";
  for (const auto& [label, value] : report.heading) {
    out += "<tr><th>";
    escape_into(out, label);
    out += "</th><td>";
    escape_into(out, value);
    out += "</td></tr>\n";
  }
  out += "</tbody></table>\n<nav>";
  for (const auto& s : report.sections) {
    out += "<a href=\"#";
    escape_into(out, s.id);
    out += "\">";
    escape_into(out, s.title);
    out += "</a>";
  }
  out += "</nav>\n";
  for (const auto& s : report.sections) {
    out += "<section id=\"";
    escape_into(out, s.id);
    out += "\">\n<h2>";
    escape_into(out, s.title);
    out += "</h2>\n";
    out += s.figure;
    if (!s.unavailable.empty()) {
      out += "<p class=\"missing\">not available: ";
      escape_into(out, s.unavailable);
      out += "</p>";
    } else if (s.content.is_array() && s.content.empty()) {
      out += "<p>none recorded</p>";
    } else if (s.content.is_string()) {
      out += "<p>";
      escape_into(out, s.content.get<std::string>());
      out += "</p>";
    } else {
      value_into(out, s.content, false);
    }
    out += "\n</section>\n";
  }
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace dermad::ctl
