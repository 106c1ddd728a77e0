# The R side of `VPTSurv.Bench survival-vs-r`: reads the CSV the bench wrote (time, event, group, x1..x10) and times
# R's survival on the same data. Usage: Rscript survival-vs-r.R data.csv out.json [repeats]
# Each time is the best of `repeats` runs, as the .NET side's: elapsed seconds, and CPU seconds (user.self + sys.self).
suppressPackageStartupMessages({ library(survival); library(jsonlite) })
a <- commandArgs(TRUE)
d <- read.csv(a[1], colClasses = "numeric")
y <- Surv(d$time, d$event)
X <- as.matrix(d[, paste0("x", 1:10)])
cc <- sdf <- f <- NULL
repeats <- if (length(a) >= 3) as.integer(a[3]) else 1L
best <- function(f) {
  t <- c(Inf, Inf)
  for (k in seq_len(repeats)) {
    s <- system.time(f())
    t <- pmin(t, c(unname(s["elapsed"]), unname(s["user.self"] + s["sys.self"])))
  }
  t
}
t_c <- best(function() cc <<- concordance(y ~ d$x1, reverse = TRUE))
t_w <- best(function() sdf <<- survdiff(y ~ d$group, rho = 1))
t_x <- best(function() f <<- coxph(y ~ X, ties = "efron"))
writeLines(toJSON(list(
  harrell = list(seconds = t_c[1], cpu_seconds = t_c[2], c = unname(cc$concordance), se = sqrt(cc$var)),
  peto_peto = list(seconds = t_w[1], cpu_seconds = t_w[2], chisq = sdf$chisq),
  cox = list(seconds = t_x[1], cpu_seconds = t_x[2], coef = unname(coef(f)), se = unname(sqrt(diag(vcov(f)))))),
  digits = NA, auto_unbox = TRUE), a[2])
