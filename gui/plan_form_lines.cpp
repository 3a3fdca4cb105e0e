#include "plan_form_lines.h"

#include <cmath>

#include <QStringList>

namespace kvsim::gui {

namespace {

const char* const kKvTransferKeys[] = {"link",           "gpu_gb_per_s",    "replica_gb_per_s", "latency_us",
                                       "efficiency",     "fabric_gb_per_s", "overlap"};

bool is_kv_transfer_key(const std::string& key) {
  for (const char* k : kKvTransferKeys)
    if (key == k) return true;
  return false;
}

// "24" -> 24, "0.5" -> 0.5, "true" -> true, anything else a string.
nlohmann::json scalar(const QString& text) {
  bool ok = false;
  const qlonglong i = text.toLongLong(&ok);
  if (ok) return i;
  const double d = text.toDouble(&ok);
  if (ok && std::isfinite(d)) return d;  // "inf" stays a string, as the scenario writes it
  if (text == "true" || text == "false") return text == "true";
  return text.toStdString();
}

QString scalar_text(const nlohmann::json& v) {
  if (v.is_string()) return QString::fromStdString(v.get<std::string>());
  return QString::fromStdString(v.dump());
}

// A scalar that reads back as itself (a string with a space or an '=' would not).
bool says_itself(const nlohmann::json& v) {
  if (!v.is_primitive() || v.is_null()) return false;
  if (!v.is_string()) return true;
  const QString s = QString::fromStdString(v.get<std::string>());
  return !s.isEmpty() && !s.contains(' ') && !s.contains('=') && scalar(s) == v;
}

// A line's entry: `none` -> null; a JSON value; else parse(words) or, failing that, the line.
template <class Parse>
nlohmann::json entries(const QString& text, const char* none, Parse parse) {
  nlohmann::json out = nlohmann::json::array();
  for (const QString& raw : text.split('\n')) {
    const QString line = raw.trimmed();
    if (line.isEmpty()) continue;
    if (line == none || line == "null") {
      out.push_back(nullptr);
      continue;
    }
    if (line.startsWith('{')) {
      try {
        out.push_back(nlohmann::json::parse(line.toStdString()));
      } catch (const nlohmann::json::exception&) {
        out.push_back(line.toStdString());  // the plan's parser says where
      }
      continue;
    }
    nlohmann::json entry = parse(line.split(' ', Qt::SkipEmptyParts));
    out.push_back(entry.is_null() ? nlohmann::json(line.toStdString()) : entry);
  }
  return out;
}

// key=value words into `into` (kv_transfer keys into `transfer` when given); false on a word
// without '='.
bool read_pairs(const QStringList& words, qsizetype from, nlohmann::json& into, nlohmann::json* transfer) {
  for (qsizetype i = from; i < words.size(); ++i) {
    const qsizetype eq = words[i].indexOf('=');
    if (eq <= 0) return false;
    const std::string key = words[i].left(eq).toStdString();
    const nlohmann::json value = scalar(words[i].mid(eq + 1));
    if (transfer && is_kv_transfer_key(key)) (*transfer)[key] = value;
    else into[key] = value;
  }
  return true;
}

QString json_line(const nlohmann::json& v) { return QString::fromStdString(v.dump()); }

}  // namespace

nlohmann::json autoscaling_entries(const QString& text) {
  return entries(text, "fixed", [](const QStringList& words) -> nlohmann::json {
    nlohmann::json a = {{"policy", words[0].toStdString()}};
    qsizetype next = 1;
    if (words.size() > 1 && !words[1].contains('=')) {
      a["target"] = scalar(words[1]);
      next = 2;
    }
    if (!read_pairs(words, next, a, nullptr)) return nullptr;
    return a;
  });
}

nlohmann::json disaggregation_entries(const QString& text) {
  return entries(text, "colocated", [](const QStringList& words) -> nlohmann::json {
    if (!words[0].contains(':')) return nullptr;
    nlohmann::json d = {{"ratio", words[0].toStdString()}};
    nlohmann::json transfer = nlohmann::json::object();
    if (!read_pairs(words, 1, d, &transfer)) return nullptr;
    if (!transfer.empty()) d["kv_transfer"] = transfer;
    return d;
  });
}

QString autoscaling_lines(const nlohmann::json& list) {
  QStringList lines;
  if (list.is_array())
    for (const nlohmann::json& a : list) {
      if (a.is_null()) {
        lines << "fixed";
        continue;
      }
      bool plain = a.is_object() && a.contains("policy") && says_itself(a["policy"]) &&
                   !a["policy"].get<std::string>().starts_with('{') && (!a.contains("target") || a["target"].is_number());
      QStringList words;
      if (plain) {
        words << scalar_text(a["policy"]);
        if (a.contains("target")) words << scalar_text(a["target"]);
        for (const auto& [key, v] : a.items()) {
          if (key == "policy" || key == "target") continue;
          plain = plain && says_itself(v);
          words << QString::fromStdString(key) + "=" + scalar_text(v);
        }
      }
      lines << (plain ? words.join(' ') : json_line(a));
    }
  return lines.join('\n');
}

QString disaggregation_lines(const nlohmann::json& list) {
  QStringList lines;
  if (list.is_array())
    for (const nlohmann::json& d : list) {
      if (d.is_null()) {
        lines << "colocated";
        continue;
      }
      bool plain = d.is_object() && d.contains("ratio") && says_itself(d["ratio"]) &&
                   QString::fromStdString(d["ratio"].get<std::string>()).contains(':');
      QStringList words;
      if (plain) {
        words << scalar_text(d["ratio"]);
        for (const auto& [key, v] : d.items()) {
          if (key == "ratio") continue;
          if (key == "kv_transfer") {
            plain = plain && v.is_object();
            if (plain)
              for (const auto& [k, x] : v.items()) {
                plain = plain && says_itself(x) && is_kv_transfer_key(k);
                words << QString::fromStdString(k) + "=" + scalar_text(x);
              }
            continue;
          }
          plain = plain && says_itself(v) && !is_kv_transfer_key(key);
          words << QString::fromStdString(key) + "=" + scalar_text(v);
        }
        plain = plain && !(d.contains("kv_transfer") && d["kv_transfer"].empty());
      }
      lines << (plain ? words.join(' ') : json_line(d));
    }
  return lines.join('\n');
}

}  // namespace kvsim::gui
