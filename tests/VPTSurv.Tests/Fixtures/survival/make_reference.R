# Reference values for tests/VPTSurv.Tests/Survival, written by R's survival package.
# Run from this folder:  Rscript make_reference.R      (Debian: r-base-core r-cran-survival r-cran-jsonlite)
# Writes reference.json. The tests read only that file; they never need R.
#
# R survival is the reference for Harrell's C (and pair counts), Uno's C (timewt = "n/G2", ymax), Kaplan-Meier,
# medians, log-rank and Cox. R has no function for the cumulative/dynamic AUC or the IPCW Brier score, so those are
# computed here by a second, direct O(n^2) implementation of their definitions (see auc_direct, brier_direct),
# with the censoring survival G computed by an explicit product, cross-checked against survfit on reversed status.
suppressPackageStartupMessages({ library(survival); library(jsonlite) })
set.seed(20261129)

r4 <- function(x) round(x, 4)   # data are rounded so that JSON carries them exactly

make <- function(name, time, event, risk, group, x1, x2) {
  list(name = name, time = time, event = as.integer(event), risk = risk, group = as.integer(group),
       x1 = x1, x2 = x2)
}

datasets <- list()

# Ties in time: integer-rounded times, events tied with events and with censorings.
n <- 60
x1 <- r4(rnorm(n)); x2 <- r4(runif(n))
t <- pmax(1, round(rexp(n, exp(0.7 * x1)) * 8))
datasets$ties_time <- make("ties_time", t, rbinom(n, 1, 0.7), r4(0.7 * x1 + rnorm(n, sd = 0.5)),
                           sample(0:2, n, TRUE), x1, x2)

# Ties in risk: risk takes 5 values; continuous times.
n <- 80
x1 <- r4(rnorm(n)); x2 <- rbinom(n, 1, 0.5)
t <- r4(rexp(n, exp(0.5 * x1 + 0.5 * x2)) * 10 + 0.01)
datasets$ties_risk <- make("ties_risk", t, rbinom(n, 1, 0.6), round(x1 + x2), sample(1:3, n, TRUE), x1, x2)

# Heavy censoring: about 85 % censored.
n <- 120
x1 <- r4(rnorm(n)); x2 <- r4(rnorm(n))
td <- rexp(n, exp(0.8 * x1)); tc <- rexp(n, 5)
datasets$heavy_censoring <- make("heavy_censoring", r4(pmin(td, tc) + 0.001), as.integer(td <= tc),
                                 r4(0.8 * x1 + rnorm(n, sd = 0.3)), sample(0:1, n, TRUE), x1, x2)

# One event only.
n <- 25
x1 <- r4(rnorm(n)); x2 <- r4(rnorm(n))
ev <- rep(0L, n); ev[7] <- 1L
datasets$one_event <- make("one_event", r4(runif(n, 1, 10)), ev, r4(rnorm(n)), sample(0:1, n, TRUE), x1, x2)

# Integer times 1..12 with many ties, integer risks.
n <- 90
x1 <- r4(rnorm(n)); x2 <- rbinom(n, 1, 0.4)
datasets$integer_times <- make("integer_times", sample(1:12, n, TRUE), rbinom(n, 1, 0.65),
                               sample(0:6, n, TRUE), sample(0:3, n, TRUE), x1, x2)

# R's lung data (complete cases of ph.ecog): risk = age, groups = ECOG score, covariates age and sex.
lung2 <- lung[!is.na(lung$ph.ecog), ]
datasets$lung <- make("lung", lung2$time, lung2$status == 2, lung2$age, lung2$ph.ecog, lung2$age, lung2$sex)

nz <- function(x) ifelse(is.finite(x), x, NA)

# Censoring survival G(t-) and G(t) by an explicit product. At a tie, deaths leave before the censorings (the
# convention of concordance()'s fastkm1 and of scikit-survival): at risk of censoring at c = time > c or censored at c.
G_step <- function(time, event, s, strict) {
  g <- 1
  for (c in sort(unique(time[event == 0])))
    if (c < s || (!strict && c == s)) g <- g * (1 - sum(time == c & event == 0) / (sum(time > c) + sum(time == c & event == 0)))
  g
}
G_before <- function(time, event, s) G_step(time, event, s, TRUE)
G_at     <- function(time, event, s) G_step(time, event, s, FALSE)

auc_direct <- function(time, event, risk, times) {
  sapply(times, function(s) {
    num <- 0; den_case <- 0
    for (i in seq_along(time)) {
      if (event[i] != 1 || time[i] > s) next
      w <- 1 / G_before(time, event, time[i])
      den_case <- den_case + w
      for (j in seq_along(time)) if (time[j] > s) num <- num + w * ((risk[i] > risk[j]) + 0.5 * (risk[i] == risk[j]))
    }
    num / (den_case * sum(time > s))
  })
}

brier_direct <- function(time, event, S, times) {
  sapply(seq_along(times), function(k) {
    s <- times[k]; tot <- 0
    for (i in seq_along(time)) {
      if (time[i] > s) tot <- tot + (1 - S[i, k])^2 / G_at(time, event, s)
      else if (event[i] == 1) tot <- tot + S[i, k]^2 / G_before(time, event, time[i])
    }
    tot / length(time)
  })
}

km_block <- function(fit) {
  q <- quantile(fit, 0.5)
  list(time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event, n_censor = fit$n.censor,
       surv = fit$surv, std_err_log = nz(fit$std.err), std_err = nz(summary(fit, censored = TRUE)$std.err),
       lower = nz(fit$lower), upper = nz(fit$upper),
       median = unname(q$quantile), median_lower = unname(q$lower), median_upper = unname(q$upper))
}

out <- list(r_version = R.version.string, survival_version = as.character(packageVersion("survival")), datasets = list())
for (d in datasets) {
  y <- Surv(d$time, d$event)
  res <- list(data = d)

  cc <- concordance(y ~ d$risk, reverse = TRUE)
  res$harrell <- list(concordance = unname(cc$concordance), concordant = unname(cc$count["concordant"]),
                      discordant = unname(cc$count["discordant"]), tied_risk = unname(cc$count["tied.x"]),
                      tied_time = unname(cc$count["tied.y"]), tied_time_and_risk = unname(cc$count["tied.xy"]))

  tau <- unname(quantile(d$time[d$event == 1], 0.8, type = 1))
  res$uno <- list(tau = tau,
                  c_tau = unname(concordance(y ~ d$risk, reverse = TRUE, timewt = "n/G2", ymax = tau)$concordance),
                  c_all = unname(concordance(y ~ d$risk, reverse = TRUE, timewt = "n/G2")$concordance))

  fl <- survfit(y ~ 1, conf.type = "log")
  fll <- survfit(y ~ 1, conf.type = "log-log")
  fp <- survfit(y ~ 1, conf.type = "plain")
  res$km_log <- km_block(fl)
  res$km_loglog <- km_block(fll)
  res$km_plain <- km_block(fp)
  qt <- unname(quantile(d$time, c(0.1, 0.3, 0.5, 0.7, 0.9), type = 1))
  tt <- sort(unique(c(qt, max(d$time) + 1)))
  st <- summary(fl, times = tt, extend = TRUE)
  res$km_table <- list(times = tt, n_risk = st$n.risk, n_event = st$n.event, n_censor = st$n.censor,
                       surv = st$surv, std_err = nz(st$std.err))

  groups <- list(k = d$group, two = as.integer(d$group == min(d$group)))
  res$logrank <- lapply(groups, function(g) {
    sd <- survdiff(y ~ g)
    list(group = g, observed = unname(sd$obs), expected = unname(sd$exp), chisq = sd$chisq,
         df = length(sd$n) - 1, p = pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE))
  })

  # Negative partial log-likelihood at a fixed linear predictor, for SurvivalLoss.CoxPartialLikelihood.
  res$cox_offset <- list(
    breslow = coxph(y ~ offset(d$risk), ties = "breslow")$loglik,
    efron = coxph(y ~ offset(d$risk), ties = "efron")$loglik)

  if (sum(d$event) >= 5) {
    ctl <- coxph.control(eps = 1e-14, iter.max = 200, toler.chol = 1e-15)
    res$cox <- list()
    for (ties in c("breslow", "efron")) {
      fits <- list(uni = coxph(y ~ d$x1, ties = ties, control = ctl),
                   multi = coxph(y ~ d$x1 + d$x2, ties = ties, control = ctl))
      res$cox[[ties]] <- lapply(fits, function(f) {
        ci <- exp(confint(f))
        list(coef = unname(coef(f)), se = unname(sqrt(diag(vcov(f)))), hr = unname(exp(coef(f))),
             lower = unname(ci[, 1]), upper = unname(ci[, 2]), loglik_null = f$loglik[1], loglik = f$loglik[2],
             p = unname(summary(f)$coefficients[, "Pr(>|z|)"]))
      })
    }
  }

  # Direct O(n^2) AUC and Brier references, with G cross-checked against survfit on the reversed status.
  et <- sort(unique(d$time[d$event == 1]))
  ok <- et[sapply(et, function(s) sum(d$time > s) > 0)]
  times <- unique(ok[unique(pmax(1, round(c(0.2, 0.5, 0.8) * length(ok))))])
  # survfit on reversed status, with deaths moved just before their time, must give the same G.
  gfit <- survfit(Surv(d$time - 1e-6 * d$event, 1 - d$event) ~ 1, timefix = FALSE)
  gcheck <- max(abs(sapply(times, function(s) G_at(d$time, d$event, s)) - summary(gfit, times = times)$surv))
  if (gcheck >= 1e-12) stop(d$name, ": G differs from survfit by ", gcheck)
  H0 <- times / mean(d$time)
  z <- if (sd(d$risk) > 0) (d$risk - mean(d$risk)) / sd(d$risk) else 0 * d$risk
  S <- r4(exp(-outer(exp(z), H0)))
  res$auc <- list(times = times, auc = auc_direct(d$time, d$event, d$risk, times))
  res$brier <- list(times = times, survival = S, score = brier_direct(d$time, d$event, S, times))

  out$datasets[[d$name]] <- res
}

tmp <- "reference.json.tmp"
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", matrix = "rowmajor"), tmp)
invisible(file.rename(tmp, "reference.json"))
cat("wrote reference.json\n")
