// SPDX-License-Identifier: GPL-2.0
/*
 * dermad_pwm_sim - a PWM chip with no hardware behind it, for dermad's
 * hardware-in-the-loop test.
 *
 * Why: dermad drives its needle motor through the kernel's sysfs PWM interface
 * (/sys/class/pwm/pwmchipN). Debian's kernel has the PWM core built in but no
 * software-only PWM chip, so this module registers a platform device and driver
 * "dermad-pwm-sim" whose chip accepts every valid state and remembers it. The
 * daemon then goes through the real PWM core and sysfs code, and the plant
 * emulator reads the state back from the same sysfs files (period, duty_cycle,
 * polarity, enable) or from the pwm:pwm_apply tracepoint.
 *
 * The chip is found by its device name: /sys/class/pwm/pwmchipN/device is a
 * link to .../dermad-pwm-sim.
 */

#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/pwm.h>
#include <linux/slab.h>

#define DRV_NAME "dermad-pwm-sim"
#define DERMAD_PWM_SIM_CHANNELS 2

struct dermad_pwm_sim {
	struct pwm_chip chip;
	/* Last state applied per channel: what a real chip's registers would hold. */
	struct pwm_state state[DERMAD_PWM_SIM_CHANNELS];
	/* apply() and get_state() may race between two channels' sysfs writers. */
	spinlock_t lock;
};

static struct dermad_pwm_sim *to_sim(struct pwm_chip *chip)
{
	return container_of(chip, struct dermad_pwm_sim, chip);
}

static int dermad_pwm_sim_apply(struct pwm_chip *chip, struct pwm_device *pwm,
				const struct pwm_state *state)
{
	struct dermad_pwm_sim *sim = to_sim(chip);
	unsigned long flags;

	/*
	 * The core has already refused a period of 0 and a duty cycle above
	 * the period: any state that reaches here, a real chip could take.
	 */
	spin_lock_irqsave(&sim->lock, flags);
	sim->state[pwm->hwpwm] = *state;
	spin_unlock_irqrestore(&sim->lock, flags);
	return 0;
}

static int dermad_pwm_sim_get_state(struct pwm_chip *chip,
				    struct pwm_device *pwm,
				    struct pwm_state *state)
{
	struct dermad_pwm_sim *sim = to_sim(chip);
	unsigned long flags;

	spin_lock_irqsave(&sim->lock, flags);
	*state = sim->state[pwm->hwpwm];
	spin_unlock_irqrestore(&sim->lock, flags);
	return 0;
}

static const struct pwm_ops dermad_pwm_sim_ops = {
	.apply = dermad_pwm_sim_apply,
	.get_state = dermad_pwm_sim_get_state,
	.owner = THIS_MODULE,
};

static int dermad_pwm_sim_probe(struct platform_device *pdev)
{
	struct dermad_pwm_sim *sim;
	int i;

	sim = devm_kzalloc(&pdev->dev, sizeof(*sim), GFP_KERNEL);
	if (!sim)
		return -ENOMEM;

	spin_lock_init(&sim->lock);
	/* Power-on state: off, normal polarity, no period (as after reset). */
	for (i = 0; i < DERMAD_PWM_SIM_CHANNELS; i++)
		sim->state[i].polarity = PWM_POLARITY_NORMAL;

	sim->chip.dev = &pdev->dev;
	sim->chip.ops = &dermad_pwm_sim_ops;
	sim->chip.npwm = DERMAD_PWM_SIM_CHANNELS;
	/* -1: let the core pick the GPIO-style base, as board drivers do. */
	sim->chip.base = -1;

	return devm_pwmchip_add(&pdev->dev, &sim->chip);
}

static struct platform_driver dermad_pwm_sim_driver = {
	.probe = dermad_pwm_sim_probe,
	.driver = {
		.name = DRV_NAME,
	},
};

/* Registered by the module itself: there is no firmware node to create it. */
static struct platform_device *dermad_pwm_sim_pdev;

static int __init dermad_pwm_sim_init(void)
{
	int ret;

	ret = platform_driver_register(&dermad_pwm_sim_driver);
	if (ret)
		return ret;

	/* id -1: the device is named exactly "dermad-pwm-sim". */
	dermad_pwm_sim_pdev = platform_device_register_simple(DRV_NAME, -1,
							      NULL, 0);
	if (IS_ERR(dermad_pwm_sim_pdev)) {
		platform_driver_unregister(&dermad_pwm_sim_driver);
		return PTR_ERR(dermad_pwm_sim_pdev);
	}
	return 0;
}

static void __exit dermad_pwm_sim_exit(void)
{
	platform_device_unregister(dermad_pwm_sim_pdev);
	platform_driver_unregister(&dermad_pwm_sim_driver);
}

module_init(dermad_pwm_sim_init);
module_exit(dermad_pwm_sim_exit);

MODULE_DESCRIPTION("Software-only PWM chip for dermad's hardware-in-the-loop test");
MODULE_LICENSE("GPL");
