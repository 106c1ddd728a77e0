# Reference values for tests/VPTSurv.Tests/Survival/Toolkit*: the survival toolkit (standard errors, Nelson-Aalen,
# quantiles, RMST, weighted / stratified / pairwise / trend log-rank tests, Cox extensions) from R's survival package.
# Run from this folder:  Rscript make_toolkit.R     (Debian: r-base-core r-cran-survival r-cran-jsonlite)
# Reads ../reference.json (the datasets of make_reference.R) and writes toolkit.json; tests never need R.
#
# Where R has no function the value is computed here by hand from its definition, and the hand code is first
# checked against R where the two overlap (weighted log-rank against survdiff rho = 0 and 1, RMST against
# print(survfit, rmean = tau), trend and pairwise from survdiff's own obs / exp / var).
suppressPackageStartupMessages({ library(survival); library(jsonlite) })
set.seed(20261206)

old <- fromJSON("../reference.json", simplifyVector = TRUE)$datasets
r4 <- function(x) round(x, 4)
nz <- function(x) ifelse(is.finite(x), x, NA)

# Every dataset: time, event, risk (higher = worse), risk2 (a second score), group (labels, as text), strata, and a
# covariate matrix x (rows = subjects).
mk <- function(name, time, event, risk, group, strata, x) {
  n <- length(time)
  list(name = name, time = time, event = as.integer(event), risk = risk,
       risk2 = r4(risk + rnorm(n, sd = sd(c(risk, 0, 1)))), group = as.character(group),
       strata = as.character(strata), x = unname(as.matrix(x)))
}
ds <- list()
for (nm in names(old)) {
  d <- old[[nm]]$data
  ds[[nm]] <- mk(nm, d$time, d$event, d$risk, d$group, rep(c("a", "b"), length.out = length(d$time)),
                 cbind(d$x1, d$x2))
}
vet <- veteran
ds$veteran <- mk("veteran", vet$time, vet$status, -vet$karno, vet$celltype, vet$prior,
                 cbind(vet$trt, vet$karno, vet$diagtime, vet$age, vet$prior))
ds$ovarian <- mk("ovarian", ovarian$futime, ovarian$fustat, ovarian$age, ovarian$rx, ovarian$resid.ds,
                 cbind(ovarian$age, ovarian$ecog.ps, ovarian$rx))
ds$aml <- mk("aml", aml$time, aml$status, as.numeric(aml$x == "Nonmaintained"), aml$x, rep("s", nrow(aml)),
             cbind(as.numeric(aml$x == "Nonmaintained")))
# Hand-made: group "C" has subjects but no event; times tied across groups.
ds$no_event_group <- mk("no_event_group",
  c(2, 3, 3, 5, 6, 7, 8, 9, 10, 12, 4, 6, 6, 8, 11, 13, 14, 15, 3, 5, 9, 12, 16),
  c(1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0),
  c(5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 4, 2, 3, 1, 0, 1, 0, 0, 2, 3, 1, 0, 1),
  c(rep("A", 10), rep("B", 8), rep("C", 5)), rep(c("s1", "s2"), length.out = 23),
  cbind(c(5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 4, 2, 3, 1, 0, 1, 0, 0, 2, 3, 1, 0, 1), rep(0:1, length.out = 23)))
# Hand-made: a single subject.
ds$n1 <- list(name = "n1", time = 5, event = 1L, risk = 0.3, risk2 = 0.1, group = "A", strata = "a", x = matrix(1, 1, 1))

ok <- function(expr) tryCatch(expr, error = function(e) NULL)

# --- weighted log-rank by hand: weight w(t) per death time (pooled at-risk n, pooled S(t-)) --------------------
wlr <- function(time, event, group, wfun) {
  lev <- sort(unique(group)); k <- length(lev)
  O <- E <- rep(0, k); V <- matrix(0, k, k); S <- 1
  for (s in sort(unique(time[event == 1]))) {
    atr <- time >= s; n <- sum(atr); d <- sum(time == s & event == 1)
    ng <- sapply(lev, function(g) sum(atr & group == g)); dg <- sapply(lev, function(g) sum(time == s & event == 1 & group == g))
    w <- wfun(n, S)
    O <- O + w * dg; E <- E + w * d * ng / n
    if (n > 1) V <- V + w^2 * d * (n - d) / (n - 1) / n * (diag(ng) - outer(ng, ng) / n)
    S <- S * (1 - d / n)
  }
  keep <- which(E > 0)   # as survdiff: groups with expected deaths take part, one is dropped
  use <- keep[-1]
  chi <- if (length(use)) { z <- (O - E)[use]; drop(t(z) %*% solve(V[use, use, drop = FALSE], z)) } else 0
  df <- max(length(keep) - 1, 0)
  list(groups = lev, observed = O, expected = E, chisq = chi, df = df,
       p = if (df > 0) pchisq(chi, df, lower.tail = FALSE) else NA)
}

out <- list(r_version = R.version.string, survival_version = as.character(packageVersion("survival")), datasets = list())
for (d in ds) {
  y <- Surv(d$time, d$event); n <- length(d$time)
  res <- list(data = d)

  # 1. Harrell's C with R's standard error; paired comparison from the joint covariance.
  res$harrell <- ok({
    cc <- concordance(y ~ d$risk, reverse = TRUE)
    if (!is.finite(cc$concordance)) stop("undefined")
    list(concordance = cc$concordance, var = cc$var, std_err = sqrt(cc$var))
  })
  res$compare <- ok({
    # concordance(fit_a, fit_b) compares two fitted models through survival:::cord.work; it is called here on the
    # two raw scores (checked once against concordance(coxph_a, coxph_b) on lung: identical vcov).
    cc <- survival:::cord.work(list(list(y = y, x = d$risk), list(y = y, x = d$risk2)), timewt = "n", ymin = NULL,
                               ymax = NULL, reverse = TRUE, fname = c("a", "b"), keepstrata = 10)
    if (any(!is.finite(coef(cc))) || any(!is.finite(vcov(cc)))) stop("undefined")
    ct <- c(1, -1); diff <- sum(ct * coef(cc)); se <- sqrt(drop(t(ct) %*% vcov(cc) %*% ct))
    list(c = unname(coef(cc)), var = unname(vcov(cc)), difference = diff, se = se,
         p = 2 * pnorm(-abs(diff / se)))
  })

  # 2. Nelson-Aalen, Kaplan-Meier at times and quantiles with intervals, RMST.
  fit <- survfit(y ~ 1)
  res$nelson_aalen <- list(time = fit$time, cumhaz = fit$cumhaz, std_err = fit$std.chaz)
  qs <- quantile(fit, c(0.25, 0.5, 0.75))
  res$quantiles <- list(p = c(0.25, 0.5, 0.75), quantile = nz(unname(qs$quantile)),
                        lower = nz(unname(qs$lower)), upper = nz(unname(qs$upper)))
  tt <- sort(unique(c(unname(quantile(d$time, c(0.2, 0.5, 0.8), type = 1)), max(d$time) + 1)))
  st <- summary(fit, times = tt, extend = TRUE)
  res$km_at <- list(times = tt, surv = st$surv, lower = nz(st$lower), upper = nz(st$upper))
  tau <- unname(quantile(d$time, 0.75, type = 1))
  tab <- summary(fit, rmean = tau)$table
  res$rmst <- list(tau = tau, rmean = unname(tab["rmean"]), se = unname(tab["se(rmean)"]))

  # 3. Tests on the group labels (when there are at least two groups with subjects).
  g <- d$group
  if (length(unique(g)) >= 2) {
    sd0 <- survdiff(y ~ g); sd1 <- survdiff(y ~ g, rho = 1)
    h0 <- wlr(d$time, d$event, g, function(n, S) 1); h1 <- wlr(d$time, d$event, g, function(n, S) S)
    stopifnot(abs(h0$chisq - sd0$chisq) < 1e-8 * max(1, sd0$chisq), abs(h1$chisq - sd1$chisq) < 1e-8 * max(1, sd1$chisq),
              max(abs(h1$observed - sd1$obs)) < 1e-9, max(abs(h0$expected - sd0$exp)) < 1e-9)
    res$weighted <- list(
      logrank = list(groups = h0$groups, observed = h0$observed, expected = h0$expected, chisq = sd0$chisq, p = h0$p, df = h0$df),
      peto_peto = list(observed = h1$observed, expected = h1$expected, chisq = sd1$chisq, p = h1$p, df = h1$df),
      gehan = wlr(d$time, d$event, g, function(n, S) n),
      tarone_ware = wlr(d$time, d$event, g, function(n, S) sqrt(n)),
      fh_1_1 = wlr(d$time, d$event, g, function(n, S) S * (1 - S)),
      fh_0_1 = wlr(d$time, d$event, g, function(n, S) 1 - S))
    if (length(unique(d$strata)) >= 2) {
      ss <- ok(survdiff(y ~ g + strata(d$strata)))
      if (!is.null(ss)) res$stratified <- list(observed = unname(rowSums(ss$obs)), expected = unname(rowSums(ss$exp)),
                                               chisq = ss$chisq, df = sum(rowSums(ss$exp) > 0) - 1)
    }
    lev <- sort(unique(g)); pairs <- list(); praw <- c()
    for (a in 1:(length(lev) - 1)) for (b in (a + 1):length(lev)) {
      keep <- g %in% lev[c(a, b)]
      s2 <- ok(survdiff(Surv(d$time[keep], d$event[keep]) ~ g[keep]))
      p2 <- if (is.null(s2)) NA else pchisq(s2$chisq, 1, lower.tail = FALSE)
      pairs[[length(pairs) + 1]] <- list(a = lev[a], b = lev[b], chisq = if (is.null(s2)) NA else s2$chisq)
      praw <- c(praw, p2)
    }
    res$pairwise <- list(pairs = pairs, p = praw, holm = p.adjust(praw, "holm"), bh = p.adjust(praw, "BH"))
    if (!any(is.na(suppressWarnings(as.numeric(lev))))) {
      sc <- as.numeric(lev)
      # survdiff orders its rows by factor level of the character labels, the same order as lev here.
      u <- sum(sc * (sd0$obs - sd0$exp)); v <- drop(t(sc) %*% sd0$var %*% sc)
      res$trend <- list(scores = sc, u = u, var = v, chisq = u^2 / v, p = pchisq(u^2 / v, 1, lower.tail = FALSE))
    }
  }
  # 4. Cox: many covariates, strata, ridge, robust SE with cluster ids, the three global tests, baseline hazard and
  # survival of new subjects. Only where there are at least 5 events.
  if (sum(d$event) >= 5) {
    X <- d$x; colnames(X) <- paste0("x", seq_len(ncol(X)))
    ctl <- coxph.control(eps = 1e-14, iter.max = 200, toler.chol = 1e-15)
    cl <- ceiling(seq_len(n) / 2)
    xnew <- rbind(colMeans(X) + 0.5, apply(X, 2, min))
    tt <- sort(unique(c(unname(quantile(d$time[d$event == 1], c(0.25, 0.5, 0.9), type = 1)))))
    res$cox <- list(cluster = cl, times = tt, newx = unname(xnew))
    for (ties in c("breslow", "efron")) {
      f <- ok(coxph(y ~ X, ties = ties, control = ctl))
      if (is.null(f) || any(!is.finite(coef(f)))) next
      fr <- coxph(y ~ X + cluster(cl), ties = ties, control = ctl)
      bh <- basehaz(f, centered = TRUE)
      bh_at <- sapply(tt, function(s) { k <- which(bh$time <= s); if (length(k)) bh$hazard[max(k)] else 0 })
      sf <- survfit(f, newdata = list(X = xnew))
      pred <- t(summary(sf, times = tt, extend = TRUE)$surv)
      block <- list(coef = unname(coef(f)), se = unname(sqrt(diag(vcov(f)))), loglik = f$loglik,
                    score = unname(f$score), wald = unname(f$wald.test),
                    robust_se = unname(sqrt(diag(fr$var))), naive_se = unname(sqrt(diag(fr$naive.var))),
                    baseline = bh_at, predicted = unname(pred))
      fs <- ok(coxph(y ~ X + strata(d$strata), ties = ties, control = ctl))
      if (!is.null(fs) && all(is.finite(coef(fs))) && length(unique(d$strata)) > 1)
        block$strata <- list(coef = unname(coef(fs)), se = unname(sqrt(diag(vcov(fs)))), loglik = fs$loglik)
      fp <- ok(coxph(y ~ ridge(X, theta = 1, scale = FALSE), ties = ties, control = ctl))
      if (!is.null(fp)) block$ridge <- list(theta = 1, coef = unname(coef(fp)), se = unname(sqrt(diag(fp$var))),
                                            loglik = unname(fp$loglik[2]))
      # cox.zph tests each term: fit again with one term per column.
      dfx <- as.data.frame(X)
      f2 <- coxph(as.formula(paste("y ~", paste(colnames(X), collapse = " + "))), data = dfx, ties = ties, control = ctl)
      block$zph <- lapply(c(km = "km", identity = "identity"), function(tr) {
        z <- cox.zph(f2, transform = tr)$table
        list(chisq = unname(z[, "chisq"]), p = unname(z[, "p"]))
      })
      res$cox[[ties]] <- block
    }
  }
  out$datasets[[d$name]] <- res
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", na = "null", pretty = FALSE), "toolkit.json")
cat("wrote toolkit.json:", length(out$datasets), "datasets\n")
