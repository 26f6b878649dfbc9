#include "scoreopt/problem.hpp"

#include <atomic>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace scoreopt {

namespace {

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

Problem::Problem(std::string_view name, int dim, const std::map<std::string, double>& options)
    : info_(&find_function(name)), dim_(dim) {
  const FunctionInfo& fi = *info_;
  if (dim < fi.min_dim)
    throw std::invalid_argument("dim: " + fi.name + " needs dim >= " +
                                std::to_string(fi.min_dim) + ", got " + std::to_string(dim));
  if (fi.even_dim && dim % 2 != 0)
    throw std::invalid_argument("dim: " + fi.name +
                                " is defined on pairs of coordinates and needs an even dim, got " +
                                std::to_string(dim));
  options_.clear();
  for (const auto& o : fi.options) options_.push_back(o.default_value);
  for (const auto& [key, value] : options) {
    size_t k = 0;
    while (k < fi.options.size() && fi.options[k].name != key) ++k;
    if (k == fi.options.size()) {
      std::string known;
      for (const auto& o : fi.options) known += (known.empty() ? "" : ", ") + o.name;
      throw std::invalid_argument("options: " + fi.name + " has no option '" + key + "'" +
                                  (known.empty() ? " (it takes none)" : "; expected one of: " + known));
    }
    const OptionInfo& o = fi.options[k];
    if (!std::isfinite(value) || value < o.min_value || value > o.max_value ||
        (o.integer && value != std::floor(value)))
      throw std::invalid_argument("options: " + fi.name + " option '" + key + "' must be " +
                                  (o.integer ? "an integer" : "a number") + " in [" +
                                  fmt(o.min_value) + ", " + fmt(o.max_value) + "], got " +
                                  fmt(value));
    options_[k] = value;
  }
  rebuild_tables();
}

void Problem::rebuild_tables() {
  table_d_.clear();
  if (info_->data_size) {
    table_d_ = data_;
  } else if (info_->id == FunctionId::Ellipsoid) {
    const double lc = std::log(options_.at(0));
    table_d_.resize(dim_);
    for (int i = 0; i < dim_; ++i)
      table_d_[i] = dim_ > 1 ? std::exp(lc * double(i) / double(dim_ - 1)) : 1.0;
  } else if (info_->id == FunctionId::Griewank) {
    table_d_.resize(dim_);
    for (int i = 0; i < dim_; ++i) table_d_[i] = 1.0 / std::sqrt(double(i + 1));
  }
  table_f_.assign(table_d_.begin(), table_d_.end());
  matrix_f_.assign(affine_.matrix.begin(), affine_.matrix.end());
  shift_f_.assign(affine_.shift.begin(), affine_.shift.end());
}

Problem Problem::with_data(std::vector<double> data) const {
  if (!info_->data_size)
    throw std::invalid_argument("data: " + info_->name + " takes no instance data");
  const std::int64_t want = info_->data_size(dim_);
  if (std::int64_t(data.size()) != want)
    throw std::invalid_argument("data: " + info_->name + " in dimension " + std::to_string(dim_) +
                                " needs " + std::to_string(want) + " values, got " +
                                std::to_string(data.size()));
  for (double v : data)
    if (!std::isfinite(v)) throw std::invalid_argument("data: contains NaN or Inf");
  Problem p = *this;
  p.data_ = std::move(data);
  p.rebuild_tables();
  return p;
}

Problem Problem::with_affine(Affine a) const {
  if (!affine_.empty())
    throw std::invalid_argument(
        "affine: this problem already has an affine wrapper; build the combined map instead");
  const size_t d = static_cast<size_t>(dim_);
  if (!a.matrix.empty() && a.matrix.size() != d * d)
    throw std::invalid_argument("matrix: expected shape (" + std::to_string(d) + ", " +
                                std::to_string(d) + "), got " + std::to_string(a.matrix.size()) +
                                " entries");
  if (!a.shift.empty() && a.shift.size() != d)
    throw std::invalid_argument("shift: expected shape (" + std::to_string(d) + ",), got " +
                                std::to_string(a.shift.size()) + " entries");
  for (double v : a.matrix)
    if (!std::isfinite(v)) throw std::invalid_argument("matrix: contains NaN or Inf");
  for (double v : a.shift)
    if (!std::isfinite(v)) throw std::invalid_argument("shift: contains NaN or Inf");
  if (!std::isfinite(a.scale)) throw std::invalid_argument("scale: must be finite");
  if (!std::isfinite(a.bias)) throw std::invalid_argument("bias: must be finite");
  Problem p = *this;
  p.affine_ = std::move(a);
  p.rebuild_tables();
  return p;
}

}  // namespace scoreopt
