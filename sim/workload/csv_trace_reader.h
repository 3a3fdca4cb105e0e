// What the CSV trace readers (Azure, Vidur, BurstGPT) share: the file, the arrival clock, the
// columns of the arrival time and of the two lengths, and the checks of a row's arrival time.
#pragma once
#include <string>

#include "workload/csv_file.h"
#include "workload/request_source.h"
#include "workload/trace_clock.h"

namespace kvsim {

class CsvTraceReader : public RequestSource {
 protected:
  // Opens `path` and finds the two length columns (InputError if either is missing).
  CsvTraceReader(std::string path, const TraceReaderOptions& options, const char* prompt_column,
                 const char* output_column);
  // Gives the clock the current row's arrival time `t`, read from the time column; a time before
  // the previous row's fails with "path:line: column: ...".
  void observe_time(SimTime t);
  // The same for a time column in decimal seconds.
  void observe_seconds() { observe_time(csv_.seconds(time_column_)); }
  // Makes the next request from the current row, with the clock's arrival time.
  void make_request(uint32_t prompt_tokens, uint32_t output_tokens, RequestSpec& out);

  CsvFile csv_;
  TraceClock clock_;
  size_t time_column_ = 0;  // set by the reader unless the clock generates arrivals
  size_t prompt_column_;
  size_t output_column_;

 private:
  uint64_t next_id_ = 0;
};

}  // namespace kvsim
