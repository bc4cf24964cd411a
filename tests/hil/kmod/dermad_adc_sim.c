// SPDX-License-Identifier: GPL-2.0
/*
 * dermad_adc_sim - an IIO ADC whose readings user space sets, for dermad's
 * hardware-in-the-loop test.
 *
 * Why: dermad reads its analog sensors (motor current, depth position, skin
 * force, supply, temperature) from IIO sysfs files. The kernel's iio_dummy
 * driver returns fixed values, but the test's plant emulator must set what
 * the daemon reads. So each in_*_raw file of this device is also writable:
 * the emulator writes a count, the daemon reads it back through the real IIO
 * core, exactly as it would read a hardware ADC.
 *
 * Channels (all direct-mode sysfs, no buffers):
 *   in_voltage0_raw .. in_voltage4_raw   12-bit counts, 0..4095, writable
 *   in_voltage0_offset .. _offset         per channel, writable, default 0
 *   in_voltage_scale                      1 (mV per count), shared
 *   in_temp0_raw                          signed 12-bit, -2048..2047, writable
 *   in_temp_scale                         62.5 (milli degC per count)
 *
 * The device is found by its name: /sys/bus/iio/devices/iio:deviceN/name
 * reads "dermad-adc-sim".
 */

#include <linux/iio/iio.h>
#include <linux/module.h>
#include <linux/platform_device.h>

#define DRV_NAME "dermad-adc-sim"
#define DERMAD_ADC_VOLTAGES 5
#define DERMAD_ADC_TEMP (DERMAD_ADC_VOLTAGES) /* index of the temp channel */
#define DERMAD_ADC_CHANNELS (DERMAD_ADC_VOLTAGES + 1)
#define DERMAD_ADC_MAX 4095	  /* 12-bit converter */
#define DERMAD_TEMP_MIN (-2048) /* signed 12-bit sensor */
#define DERMAD_TEMP_MAX 2047

struct dermad_adc_sim {
	/*
	 * Plain ints read and written whole with READ_ONCE/WRITE_ONCE: each
	 * value is independent, as each conversion of a real ADC is.
	 */
	int raw[DERMAD_ADC_CHANNELS];
	int offset[DERMAD_ADC_CHANNELS];
};

#define DERMAD_ADC_VOLTAGE(i) {						\
	.type = IIO_VOLTAGE,						\
	.indexed = 1,							\
	.channel = (i),							\
	.address = (i),							\
	.info_mask_separate = BIT(IIO_CHAN_INFO_RAW) |			\
			      BIT(IIO_CHAN_INFO_OFFSET),		\
	.info_mask_shared_by_type = BIT(IIO_CHAN_INFO_SCALE),		\
}

static const struct iio_chan_spec dermad_adc_sim_channels[] = {
	DERMAD_ADC_VOLTAGE(0),
	DERMAD_ADC_VOLTAGE(1),
	DERMAD_ADC_VOLTAGE(2),
	DERMAD_ADC_VOLTAGE(3),
	DERMAD_ADC_VOLTAGE(4),
	{
		.type = IIO_TEMP,
		.indexed = 1,
		.channel = 0,
		.address = DERMAD_ADC_TEMP,
		.info_mask_separate = BIT(IIO_CHAN_INFO_RAW),
		.info_mask_shared_by_type = BIT(IIO_CHAN_INFO_SCALE),
	},
};

static int dermad_adc_sim_read_raw(struct iio_dev *indio_dev,
				   struct iio_chan_spec const *chan,
				   int *val, int *val2, long mask)
{
	struct dermad_adc_sim *sim = iio_priv(indio_dev);

	switch (mask) {
	case IIO_CHAN_INFO_RAW:
		*val = READ_ONCE(sim->raw[chan->address]);
		return IIO_VAL_INT;
	case IIO_CHAN_INFO_OFFSET:
		*val = READ_ONCE(sim->offset[chan->address]);
		return IIO_VAL_INT;
	case IIO_CHAN_INFO_SCALE:
		if (chan->type == IIO_TEMP) {
			*val = 62; /* 62.5 milli degC per count */
			*val2 = 500000;
			return IIO_VAL_INT_PLUS_MICRO;
		}
		*val = 1; /* 1 mV per count: 0..4095 mV full scale */
		return IIO_VAL_INT;
	default:
		return -EINVAL;
	}
}

static int dermad_adc_sim_write_raw(struct iio_dev *indio_dev,
				    struct iio_chan_spec const *chan,
				    int val, int val2, long mask)
{
	struct dermad_adc_sim *sim = iio_priv(indio_dev);
	int min = 0, max = DERMAD_ADC_MAX;

	if (chan->type == IIO_TEMP) {
		min = DERMAD_TEMP_MIN;
		max = DERMAD_TEMP_MAX;
	}

	/*
	 * Out-of-range values are refused, never clamped: a plant emulator
	 * that writes one has a bug the test should see.
	 */
	switch (mask) {
	case IIO_CHAN_INFO_RAW:
		if (val2 != 0 || val < min || val > max)
			return -EINVAL;
		WRITE_ONCE(sim->raw[chan->address], val);
		return 0;
	case IIO_CHAN_INFO_OFFSET:
		if (val2 != 0 || val < -DERMAD_ADC_MAX || val > DERMAD_ADC_MAX)
			return -EINVAL;
		WRITE_ONCE(sim->offset[chan->address], val);
		return 0;
	default:
		return -EINVAL; /* the scale is fixed, as a real ADC's reference */
	}
}

/* Raw counts and offsets are whole numbers: parse "1234", not "1234.000000". */
static int dermad_adc_sim_write_raw_get_fmt(struct iio_dev *indio_dev,
					    struct iio_chan_spec const *chan,
					    long mask)
{
	return IIO_VAL_INT;
}

static const struct iio_info dermad_adc_sim_info = {
	.read_raw = dermad_adc_sim_read_raw,
	.write_raw = dermad_adc_sim_write_raw,
	.write_raw_get_fmt = dermad_adc_sim_write_raw_get_fmt,
};

static int dermad_adc_sim_probe(struct platform_device *pdev)
{
	struct iio_dev *indio_dev;

	indio_dev = devm_iio_device_alloc(&pdev->dev,
					  sizeof(struct dermad_adc_sim));
	if (!indio_dev)
		return -ENOMEM;

	/* Zeroed by the allocation: every channel reads 0 until set. */
	indio_dev->name = DRV_NAME;
	indio_dev->info = &dermad_adc_sim_info;
	indio_dev->modes = INDIO_DIRECT_MODE;
	indio_dev->channels = dermad_adc_sim_channels;
	indio_dev->num_channels = ARRAY_SIZE(dermad_adc_sim_channels);

	return devm_iio_device_register(&pdev->dev, indio_dev);
}

static struct platform_driver dermad_adc_sim_driver = {
	.probe = dermad_adc_sim_probe,
	.driver = {
		.name = DRV_NAME,
	},
};

/* Registered by the module itself: there is no firmware node to create it. */
static struct platform_device *dermad_adc_sim_pdev;

static int __init dermad_adc_sim_init(void)
{
	int ret;

	ret = platform_driver_register(&dermad_adc_sim_driver);
	if (ret)
		return ret;

	dermad_adc_sim_pdev = platform_device_register_simple(DRV_NAME, -1,
							      NULL, 0);
	if (IS_ERR(dermad_adc_sim_pdev)) {
		platform_driver_unregister(&dermad_adc_sim_driver);
		return PTR_ERR(dermad_adc_sim_pdev);
	}
	return 0;
}

static void __exit dermad_adc_sim_exit(void)
{
	platform_device_unregister(dermad_adc_sim_pdev);
	platform_driver_unregister(&dermad_adc_sim_driver);
}

module_init(dermad_adc_sim_init);
module_exit(dermad_adc_sim_exit);

MODULE_DESCRIPTION("Writable software ADC for dermad's hardware-in-the-loop test");
MODULE_LICENSE("GPL");
