# Reference Kaplan–Meier tables, log-rank test and Cox hazard ratio for R's `lung` data by sex, used by the chart and
# formatter tests (the tests never run R). Regenerate with:  Rscript lung_by_sex.R  (R with the survival package).
library(survival)
d <- survival::lung
d$event <- d$status == 2            # status: 1 = censored, 2 = dead
d$group <- ifelse(d$sex == 1, "male", "female")
write.csv(data.frame(time = d$time, event = as.integer(d$event), group = d$group, age = d$age),
          "lung.csv", row.names = FALSE, quote = FALSE)

fit <- survfit(Surv(time, event) ~ group, data = d, conf.type = "log")
s <- summary(fit, censored = TRUE)
strata <- sub("group=", "", as.character(s$strata))
km <- data.frame(group = strata, time = s$time, n_risk = s$n.risk, n_event = s$n.event, n_censor = s$n.censor,
                 surv = s$surv, lower = s$lower, upper = s$upper)
write.csv(km, "lung_km_by_sex.csv", row.names = FALSE, quote = FALSE, na = "NaN")

lr <- survdiff(Surv(time, event) ~ group, data = d)
p <- pchisq(lr$chisq, df = length(lr$n) - 1, lower.tail = FALSE)
d$group <- factor(d$group, levels = c("male", "female"))   # hazard ratio of female vs male
cx <- summary(coxph(Surv(time, event) ~ group, data = d, ties = "efron"))
med <- summary(fit)$table[, "median"]
# Harrell's C of age as a risk score (older = higher risk: reverse = TRUE), with R's pair counts.
cc <- concordance(Surv(time, event) ~ age, data = d, reverse = TRUE)
stats <- data.frame(
  key = c("logrank_chisq", "logrank_df", "logrank_p", "hr_female_vs_male", "hr_lower95", "hr_upper95",
          "median_female", "median_male",
          "age_cindex", "age_concordant", "age_discordant", "age_tied_risk", "age_tied_time", "age_tied_time_and_risk"),
  value = c(lr$chisq, length(lr$n) - 1, p, cx$conf.int[1, "exp(coef)"], cx$conf.int[1, "lower .95"],
            cx$conf.int[1, "upper .95"], med["group=female"], med["group=male"],
            cc$concordance, cc$count[["concordant"]], cc$count[["discordant"]], cc$count[["tied.x"]],
            cc$count[["tied.y"]], cc$count[["tied.xy"]]))
write.csv(stats, "lung_stats.csv", row.names = FALSE, quote = FALSE)
