# Reference values for tests/VPTSurv.Tests/Survival/Cox{Penalty,Residuals,Prediction}AgainstRTests: Cox regression
# with an L1 / elastic-net penalty, Schoenfeld residuals (raw, scaled, cox.zph's per-time values; also stratified), and
# standard errors and confidence bands of predicted survival curves for new subjects (also from a stratified fit, in
# every stratum).
# Run from this folder:  Rscript make_cox_extras.R     (Debian: r-base-core r-cran-survival r-cran-glmnet r-cran-jsonlite)
# Reads the datasets of ../toolkit/toolkit.json (those with at least 5 events) and writes cox_extras.json.
#
# Penalty. The fit maximises  log PL(beta) - ridge/2 sum(beta^2) - lasso sum|beta|  (ridge on R's coxph
# ridge(theta, scale = FALSE) scale). glmnet minimises -(1/n) log PL + lambda ((1 - alpha)/2 |beta|^2 + alpha |beta|_1)
# with Breslow ties, i.e. lasso = n lambda alpha, ridge = n lambda (1 - alpha). Breslow values come from glmnet
# (standardize = FALSE). glmnet has no Efron ties, so Efron values come from a proximal Newton solver written below on
# a hand-coded partial likelihood; that hand likelihood is first checked against coxph (log-likelihood at the fit, and
# the ridge fit), the solver against glmnet on the Breslow cases, and every solution against its KKT conditions.
suppressPackageStartupMessages({ library(survival); library(glmnet); library(jsonlite) })

tk <- fromJSON("../toolkit/toolkit.json", simplifyVector = TRUE)$datasets

# Log partial likelihood, score and information (hand-coded, no strata).
cox_lsi <- function(beta, X, time, event, efron) {
  eta <- drop(X %*% beta); w <- exp(eta); p <- ncol(X)
  ll <- 0; U <- rep(0, p); I <- matrix(0, p, p)
  for (s in sort(unique(time[event == 1]))) {
    R <- time >= s; D <- time == s & event == 1; d <- sum(D)
    XR <- X[R, , drop = FALSE]; XD <- X[D, , drop = FALSE]
    s0 <- sum(w[R]); s1 <- colSums(w[R] * XR); s2 <- crossprod(XR * sqrt(w[R]))
    d0 <- sum(w[D]); d1 <- colSums(w[D] * XD); d2 <- crossprod(XD * sqrt(w[D]))
    ll <- ll + sum(eta[D]); U <- U + colSums(XD)
    for (l in 0:(d - 1)) {
      f <- if (efron) l / d else 0
      den <- s0 - f * d0; m <- (s1 - f * d1) / den
      ll <- ll - log(den); U <- U - m; I <- I + (s2 - f * d2) / den - outer(m, m)
    }
  }
  list(ll = ll, U = U, I = I)
}

soft <- function(z, g) sign(z) * pmax(abs(z) - g, 0)

# Proximal Newton: a quadratic model of the smooth part, its L1-penalised minimum by coordinate descent, step halving.
enet_hand <- function(X, time, event, efron, lasso, ridge) {
  p <- ncol(X); b <- rep(0, p)
  obj <- function(b) cox_lsi(b, X, time, event, efron)$ll - ridge / 2 * sum(b^2) - lasso * sum(abs(b))
  f <- obj(b)
  for (it in 1:500) {
    e <- cox_lsi(b, X, time, event, efron)
    g <- e$U - ridge * b; H <- e$I + ridge * diag(p)
    cc <- drop(g + H %*% b); z <- b
    for (sweep in 1:10000) {
      old <- z
      for (j in 1:p) z[j] <- if (H[j, j] > 0) soft(cc[j] - sum(H[j, -j] * z[-j]), lasso) / H[j, j] else 0
      if (max(abs(z - old)) <= 1e-15 * max(1, abs(z))) break
    }
    nb <- z; fn <- obj(nb); h <- 0
    while (fn < f - 1e-12 * abs(f) && h < 40) { nb <- (b + nb) / 2; fn <- obj(nb); h <- h + 1 }
    done <- abs(fn - f) <= 1e-15 * abs(f) && max(abs(nb - b)) < 1e-12
    b <- nb; f <- fn
    if (done) break
  }
  b
}

kkt <- function(b, X, time, event, efron, lasso, ridge) {
  g <- cox_lsi(b, X, time, event, efron)$U - ridge * b
  nz <- b != 0
  max(c(abs(g[nz] - lasso * sign(b[nz])), pmax(abs(g[!nz]) - lasso, 0)))
}

out <- list(r_version = R.version.string, survival_version = as.character(packageVersion("survival")),
            glmnet_version = as.character(packageVersion("glmnet")), datasets = list())
ctl <- coxph.control(eps = 1e-14, iter.max = 200, toler.chol = 1e-15)
for (nm in names(tk)) {
  d <- tk[[nm]]$data
  if (sum(d$event) < 5) next
  time <- d$time; event <- d$event; n <- length(time)
  X <- as.matrix(d$x); if (ncol(X) == 1 && nrow(X) != n) X <- t(X)
  colnames(X) <- paste0("x", seq_len(ncol(X))); p <- ncol(X)
  y <- Surv(time, event)
  res <- list()
  for (ties in c("breslow", "efron")) {
    efron <- ties == "efron"
    f <- tryCatch(coxph(y ~ X, ties = ties, control = ctl), error = function(e) NULL)
    if (is.null(f) || any(!is.finite(coef(f)))) next
    # The hand likelihood is coxph's, at coxph's fit.
    stopifnot(abs(cox_lsi(coef(f), X, time, event, efron)$ll - f$loglik[2]) < 1e-9 * abs(f$loglik[2]))
    fr <- coxph(y ~ ridge(X, theta = 1, scale = FALSE), ties = ties, control = ctl)
    stopifnot(max(abs(enet_hand(X, time, event, efron, 0, 1) - coef(fr))) < 1e-8 * max(1, abs(coef(fr))))
    block <- list()

    # 1. Penalties: lasso (alpha = 1) and elastic net (alpha = 0.5), lambda = 0.3 of the smallest lambda that zeros all.
    u0 <- cox_lsi(rep(0, p), X, time, event, efron)$U
    pens <- list()
    for (alpha in c(1, 0.5)) {
      lambda <- 0.3 * max(abs(u0)) / (n * alpha)
      lasso <- n * lambda * alpha; ridge <- n * lambda * (1 - alpha)
      hand <- enet_hand(X, time, event, efron, lasso, ridge)
      ref <- hand; source <- "hand"; glmnet_coef <- NULL
      if (!efron && p >= 2) {
        g <- glmnet(X, y, family = "cox", alpha = alpha, lambda = lambda, standardize = FALSE, thresh = 1e-30,
                    maxit = 1e7)
        gb <- as.numeric(coef(g))
        # glmnet stops on its own deviance criterion: where its KKT residual is not at rounding level (lung, whose
        # unscaled age makes the score large) the hand solution is the reference and glmnet's is kept beside it.
        stopifnot(max(abs(gb - hand)) < 1e-5, all((gb == 0) == (hand == 0)))
        glmnet_kkt <- kkt(gb, X, time, event, efron, lasso, ridge)
        if (glmnet_kkt < 1e-8 * max(1, abs(u0))) { ref <- gb; source <- "glmnet" } else source <- "hand"
        glmnet_coef <- gb
      }
      stopifnot(kkt(hand, X, time, event, efron, lasso, ridge) < 1e-8 * max(1, abs(u0)))
      pens[[length(pens) + 1]] <- list(alpha = alpha, lambda = lambda, lasso = lasso, ridge = ridge, coef = ref,
        source = source, glmnet_coef = glmnet_coef, loglik = cox_lsi(ref, X, time, event, efron)$ll, kkt = kkt(ref, X, time, event, efron, lasso, ridge))
    }
    block$penalty <- pens

    # 2. Schoenfeld residuals (events ordered by time; tied deaths in data order), scaled ones, cox.zph's values.
    dfx <- as.data.frame(X)
    f2 <- coxph(as.formula(paste("y ~", paste(colnames(X), collapse = " + "))), data = dfx, ties = ties, control = ctl)
    sch <- residuals(f2, "schoenfeld"); ssch <- residuals(f2, "scaledsch")
    z <- cox.zph(f2, transform = "km"); zi <- cox.zph(f2, transform = "identity")
    block$schoenfeld <- list(time = as.numeric(rownames(as.matrix(sch))),
      raw = unname(as.matrix(sch)), scaled = unname(as.matrix(ssch)),
      zph_time = z$time, zph_x_km = z$x, zph_x_identity = zi$x, zph_y = unname(as.matrix(z$y)))
    if (length(unique(d$strata)) > 1) {
      fs <- tryCatch(coxph(as.formula(paste("y ~", paste(colnames(X), collapse = " + "), "+ strata(st)")),
                           data = cbind(dfx, st = d$strata), ties = ties, control = ctl), error = function(e) NULL)
      if (!is.null(fs) && all(is.finite(coef(fs)))) {
        rs <- residuals(fs, "schoenfeld")
        zs <- cox.zph(fs, transform = "km"); zsi <- cox.zph(fs, transform = "identity")
        block$schoenfeld_strata <- list(coef = unname(coef(fs)), raw = unname(as.matrix(rs)),
          scaled = unname(as.matrix(residuals(fs, "scaledsch"))), stratum = as.character(rep(names(attr(rs, "strata")), attr(rs, "strata"))),
          zph_chisq = unname(zs$table[, "chisq"]), zph_time = zs$time, zph_y = unname(as.matrix(zs$y)),
          zph_x_km = zs$x, zph_x_identity = zsi$x, zph_chisq_identity = unname(zsi$table[, "chisq"]),
          zph_p_identity = unname(zsi$table[, "p"]))
        # Predicted survival from the stratified fit: each new subject's curve in every stratum (newdata without the
        # stratum, so survfit gives all of them), with std.err and log / log-log bands; curves stacked by stratum.
        xs_new <- rbind(colMeans(X) + 0.5, apply(X, 2, min))
        nds <- as.data.frame(xs_new); colnames(nds) <- colnames(X)
        psl <- survfit(fs, newdata = nds, conf.type = "log")
        psll <- survfit(fs, newdata = nds, conf.type = "log-log")
        block$predict_strata <- list(newx = unname(xs_new), strata = sub("^st=", "", names(psl$strata)),
          counts = unname(psl$strata), time = psl$time, surv = unname(t(psl$surv)), std_err = unname(t(psl$std.err)),
          lower_log = unname(t(psl$lower)), upper_log = unname(t(psl$upper)),
          lower_loglog = unname(t(psll$lower)), upper_loglog = unname(t(psll$upper)))
      }
    }

    # 3. Predicted survival of new subjects with std.err (of the cumulative hazard) and log / log-log / plain bands.
    xnew <- rbind(colMeans(X) + 0.5, apply(X, 2, min))
    nd <- as.data.frame(xnew); colnames(nd) <- colnames(X)
    sl <- survfit(f2, newdata = nd, conf.type = "log")
    sll <- survfit(f2, newdata = nd, conf.type = "log-log")
    spl <- survfit(f2, newdata = nd, conf.type = "plain")
    block$predict <- list(newx = unname(xnew), time = sl$time, surv = unname(t(sl$surv)), std_err = unname(t(sl$std.err)),
      lower_log = unname(t(sl$lower)), upper_log = unname(t(sl$upper)),
      lower_loglog = unname(t(sll$lower)), upper_loglog = unname(t(sll$upper)),
      lower_plain = unname(t(spl$lower)), upper_plain = unname(t(spl$upper)))
    res[[ties]] <- block
  }
  out$datasets[[nm]] <- res
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", na = "null", pretty = FALSE), "cox_extras.json")
cat("wrote cox_extras.json:", length(out$datasets), "datasets\n")
