"""The optimizers of a model, by learning-rate log name."""

LEARNING_RATES = ("g_lr", "d_lr")  # log names of the generator's and the critic's learning rates


def gan_optimizers(model):
    """``{"g_lr": g_optimizer, "d_lr": d_optimizer}`` for a GAN; ``{"g_lr": model.optimizer}`` otherwise."""
    g_optimizer = getattr(model, "g_optimizer", None) or model.optimizer
    d_optimizer = getattr(model, "d_optimizer", None)
    optimizers = (g_optimizer, d_optimizer) if d_optimizer is not None else (g_optimizer,)
    return dict(zip(LEARNING_RATES, optimizers))
